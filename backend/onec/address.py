"""The check every 1C address passes before a call: http(s), a host, no credentials, no private ranges."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from backend.onec.errors import OneCAddressRefused, OneCUnreachable, clip

Resolver = Callable[[str], list[str]]
"""Resolves a host name to its IP addresses as text; may raise OSError. Called in a worker thread."""

ALLOWED_SCHEMES = frozenset({"http", "https"})
HINT = "адреса локальной сети разрешает AMO1C_ONEC_ALLOW_PRIVATE=true"


@dataclass(frozen=True)
class Destination:
    """A checked 1C address: the `url` as the base gives it and, when amo1c resolved its name, the `ip` checked.

    Calls go to `ip` rather than letting the transport resolve the name a second time, which a name could answer
    with another (private) address: DNS rebinding. `ip` is None when there was nothing to resolve (a literal
    address) or nothing checked (AMO1C_ONEC_ALLOW_PRIVATE). Raises nothing.
    """

    url: httpx.URL
    ip: str | None = None

    def route(self) -> tuple[httpx.URL, dict[str, str], dict[str, str]]:
        """Return the URL to send to and the headers and request extensions that keep the name; raises nothing.

        Pinned to `ip`, the Host header stays the original host[:port] and, for https, the TLS name too: httpcore
        hands the "sni_hostname" extension to the handshake as `server_hostname` (encode/httpcore#691, in 1.0),
        and Python's ssl checks the certificate against `server_hostname`, not against the IP connected to.
        """
        if self.ip is None:
            return self.url, {}, {}
        headers = {"Host": self.url.netloc.decode("ascii")}
        extensions: dict[str, str] = {}
        if self.url.scheme == "https":
            extensions["sni_hostname"] = self.url.raw_host.decode("ascii")
            # httpcore pools connections by scheme, IP and port, not by TLS name: a kept-alive connection whose
            # certificate was checked for this name must not carry a later call to another name at this IP.
            headers["Connection"] = "close"
        return self.url.copy_with(host=self.ip), headers, extensions


def resolve_host(host: str) -> list[str]:
    """Return every address `host` resolves to (getaddrinfo, TCP); raises OSError when it does not resolve."""
    infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def _is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Return whether an address is a globally routable unicast one (not loopback, private, reserved…)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return _is_public(address.ipv4_mapped)
    blocked = (
        address.is_loopback
        or address.is_private
        or address.is_link_local
        or address.is_reserved
        or address.is_multicast
        or address.is_unspecified
    )
    return not blocked and address.is_global


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """Return `text` as an IP address (an IPv6 zone dropped), or None when it is a name."""
    try:
        return ipaddress.ip_address(text.partition("%")[0])
    except ValueError:
        return None


def _refuse_private(host: str, address: str) -> OneCAddressRefused:
    """Return the error for a host that is or resolves to a non-public address."""
    shown = host if host == address else f"{host} → {address}"
    return OneCAddressRefused(f"Адрес 1С отклонён: {shown} — адрес локальной или служебной сети ({HINT})")


async def resolve_destination(url: str, *, allow_private: bool, resolver: Resolver = resolve_host) -> Destination:
    """Check a base's `web_address` before anything is sent to it and return where to send it.

    Refuses (OneCAddressRefused) a scheme other than http/https, a missing host, a login/password inside the
    URL, and — unless `allow_private` — a host that is, or resolves to any address that is, loopback, private,
    link-local, reserved, multicast or unspecified ("localhost" included). A name is resolved once, here, and
    the Destination carries its first address to connect to. Raises OneCUnreachable when the name does not
    resolve.
    """
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        raise OneCAddressRefused("Адрес 1С отклонён: это не URL") from None
    if parsed.scheme not in ALLOWED_SCHEMES:
        scheme = clip(parsed.scheme, 20) or "не указана"
        raise OneCAddressRefused(f"Адрес 1С отклонён: схема «{scheme}», нужна http или https")
    host = parsed.raw_host.decode("ascii").rstrip(".").lower()
    if not host:
        raise OneCAddressRefused("Адрес 1С отклонён: в адресе нет имени сервера")
    if parsed.userinfo:
        raise OneCAddressRefused("Адрес 1С отклонён: логин и пароль не пишут в адрес, их передают в param1/param2 базы")
    if allow_private:
        return Destination(parsed)
    if host == "localhost" or host.endswith(".localhost"):
        raise _refuse_private(host, host)
    literal = _ip(host)
    if literal is not None:
        if not _is_public(literal):
            raise _refuse_private(host, host)
        return Destination(parsed)
    try:
        resolved = await asyncio.to_thread(resolver, host)
    except (OSError, UnicodeError) as exc:
        raise OneCUnreachable(
            f"Не удалось найти сервер 1С {host}: имя не разрешается в DNS", detail=clip(str(exc), 200)
        ) from None
    if not resolved:
        raise OneCUnreachable(f"Не удалось найти сервер 1С {host}: имя не разрешается в DNS")
    checked = [_public_or_refuse(host, text) for text in resolved]
    return Destination(parsed, str(checked[0]))


def _public_or_refuse(host: str, text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    """Return a resolved address (an IPv4-mapped IPv6 one as IPv4); raises OneCAddressRefused unless public."""
    address = _ip(text)
    if address is None or not _is_public(address):
        raise _refuse_private(host, text)
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address
