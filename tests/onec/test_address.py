"""The address check: refused 1C addresses never reach the transport; private ones pass when allowed."""

from __future__ import annotations

import socket

import httpx
import pytest

from backend.onec import OneCAddressRefused, OneCUnreachable, resolve_destination, resolve_host
from tests.onec.rig import PUBLIC_IP, Scripted, Sink, answer, connection, public_resolver, scripted_client

PRIVATE_LITERALS = [
    "http://127.0.0.1/base/hs/amo1c",
    "http://10.0.0.5/base/hs/amo1c",
    "http://192.168.1.10:8080/base/hs/amo1c",
    "http://172.16.0.1/base/hs/amo1c",
    "http://169.254.169.254/latest/meta-data",
    "http://[::1]/base/hs/amo1c",
    "http://[fe80::1]/base/hs/amo1c",
    "http://[fd00::5]/base/hs/amo1c",
    "http://[::ffff:127.0.0.1]/base/hs/amo1c",
    "http://0.0.0.0/base/hs/amo1c",
    "http://224.0.0.1/base/hs/amo1c",
    "http://100.64.0.1/base/hs/amo1c",
    "https://localhost/base/hs/amo1c",
    "http://onec.localhost/base/hs/amo1c",
]
ALWAYS_REFUSED = [
    ("ftp://onec.test/base", "схема «ftp»"),
    ("file:///etc/passwd", "схема «file»"),
    ("onec.test/base/hs/amo1c", "схема «не указана»"),
    ("http:///base/hs/amo1c", "нет имени сервера"),
    ("http://admin:secret@onec.test/base", "логин и пароль не пишут в адрес"),
]


def failing_resolver(host: str) -> list[str]:
    """A resolver that must not be reached."""
    raise AssertionError(f"resolved {host}")


@pytest.mark.parametrize("url", PRIVATE_LITERALS)
async def test_private_literal_addresses_are_refused_before_any_request(url: str) -> None:
    script = Scripted(answer({"version": "1"}))
    sink = Sink()
    async with scripted_client(script, allow_private=False, resolver=failing_resolver, sink=sink) as onec:
        with pytest.raises(OneCAddressRefused, match="AMO1C_ONEC_ALLOW_PRIVATE") as caught:
            await onec.get_handlers_version(connection(url))
    assert script.requests == []
    assert caught.value.status is None
    assert (sink.last.status, sink.last.error) == (None, str(caught.value))


@pytest.mark.parametrize("url", PRIVATE_LITERALS)
async def test_private_addresses_are_called_when_allowed(url: str) -> None:
    script = Scripted(answer({"version": "1"}))
    async with scripted_client(script, allow_private=True, resolver=failing_resolver) as onec:
        assert await onec.get_handlers_version(connection(url)) == "1"
    assert len(script.requests) == 1


@pytest.mark.parametrize("allow_private", [False, True])
@pytest.mark.parametrize(("url", "reason"), ALWAYS_REFUSED)
async def test_bad_schemes_hosts_and_credentials_are_refused_even_when_private_is_allowed(
    url: str, reason: str, allow_private: bool
) -> None:
    script = Scripted(answer({"version": "1"}))
    async with scripted_client(script, allow_private=allow_private, resolver=public_resolver()) as onec:
        with pytest.raises(OneCAddressRefused, match=reason) as caught:
            await onec.get_handlers_version(connection(url))
    assert script.requests == []
    assert "secret" not in str(caught.value)


@pytest.mark.parametrize(
    "resolved",
    [("10.1.2.3",), (PUBLIC_IP, "192.168.0.7"), ("fe80::1%eth0",), ("::1",), ("not-an-ip",)],
)
async def test_a_name_resolving_to_any_private_address_is_refused(resolved: tuple[str, ...]) -> None:
    script = Scripted(answer({"version": "1"}))
    hosts: list[str] = []
    resolver = public_resolver(hosts, resolved)
    async with scripted_client(script, allow_private=False, resolver=resolver) as onec:
        with pytest.raises(OneCAddressRefused, match=r"intranet\.example\.com →"):
            await onec.get_handlers_version(connection("http://intranet.example.com/base/hs/amo1c"))
    assert hosts == ["intranet.example.com"]
    assert script.requests == []


async def test_a_name_resolving_to_a_private_address_is_called_when_allowed() -> None:
    script = Scripted(answer({"version": "1"}))
    async with scripted_client(script, allow_private=True, resolver=public_resolver(None, ("10.1.2.3",))) as onec:
        assert await onec.get_handlers_version(connection("http://intranet.example.com/base")) == "1"
    assert len(script.requests) == 1


async def test_public_addresses_pass() -> None:
    resolver = public_resolver(None, (PUBLIC_IP, "2606:2800:220:1:248:1893:25c8:1946"))
    await resolve_destination("https://1c.example.com:8443/base/hs/amo1c", allow_private=False, resolver=resolver)
    await resolve_destination(f"http://{PUBLIC_IP}/base", allow_private=False, resolver=failing_resolver)
    await resolve_destination("http://[2606:4700:4700::1111]/base", allow_private=False, resolver=failing_resolver)


async def test_an_internationalized_name_is_resolved_in_punycode() -> None:
    hosts: list[str] = []
    await resolve_destination("http://1с.пример.рф/base", allow_private=False, resolver=public_resolver(hosts))
    assert hosts == ["xn--1-7tb.xn--e1afmkfd.xn--p1ai"]


async def test_a_name_that_does_not_resolve_is_unreachable() -> None:
    def no_such_host(host: str) -> list[str]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    script = Scripted(answer({"version": "1"}))
    async with scripted_client(script, allow_private=False, resolver=no_such_host) as onec:
        with pytest.raises(OneCUnreachable, match="имя не разрешается в DNS"):
            await onec.get_handlers_version(connection("http://nowhere.example.com/base"))
    assert script.requests == []


async def test_an_empty_resolution_is_unreachable() -> None:
    with pytest.raises(OneCUnreachable):
        await resolve_destination("http://nowhere.example.com/", allow_private=False, resolver=lambda host: [])


def test_the_default_resolver_reads_literal_addresses_without_dns() -> None:
    assert resolve_host("127.0.0.1") == ["127.0.0.1"]


class Rebinding:
    """A resolver for a name that answers a public address first and loopback on every later lookup."""

    def __init__(self) -> None:
        self.lookups: list[str] = []

    def __call__(self, host: str) -> list[str]:
        """Answer PUBLIC_IP the first time, 127.0.0.1 afterwards."""
        self.lookups.append(host)
        return [PUBLIC_IP] if len(self.lookups) == 1 else ["127.0.0.1"]


async def test_a_rebinding_name_is_resolved_once_and_called_at_the_checked_address() -> None:
    script = Scripted(answer({"version": "1"}))
    resolver = Rebinding()
    async with scripted_client(script, allow_private=False, resolver=resolver) as onec:
        assert await onec.get_handlers_version(connection("http://rebind.example.com:8080/base/hs/amo1c")) == "1"
    assert resolver.lookups == ["rebind.example.com"]
    [sent] = script.requests
    assert str(sent.url) == f"http://{PUBLIC_IP}:8080/base/hs/amo1c"
    assert sent.headers["host"] == "rebind.example.com:8080"
    assert "sni_hostname" not in sent.extensions


async def test_a_name_answering_a_public_address_and_loopback_is_refused_and_nothing_is_sent() -> None:
    script = Scripted(answer({"version": "1"}))
    resolver = public_resolver(None, (PUBLIC_IP, "127.0.0.1"))
    async with scripted_client(script, allow_private=False, resolver=resolver) as onec:
        with pytest.raises(OneCAddressRefused, match=r"rebind\.example\.com → 127\.0\.0\.1"):
            await onec.get_handlers_version(connection("http://rebind.example.com/base"))
    assert script.requests == []


@pytest.mark.parametrize(
    ("resolved", "sent_to"),
    [
        ("2606:2800:220:1:248:1893:25c8:1946", "http://[2606:2800:220:1:248:1893:25c8:1946]/base/hs/amo1c"),
        (f"::ffff:{PUBLIC_IP}", f"http://{PUBLIC_IP}/base/hs/amo1c"),
    ],
)
async def test_an_ipv6_result_is_called_in_brackets_with_the_name_as_host(resolved: str, sent_to: str) -> None:
    script = Scripted(answer({"version": "1"}))
    async with scripted_client(script, allow_private=False, resolver=public_resolver(None, (resolved,))) as onec:
        await onec.get_handlers_version(connection("http://v6.example.com/base/hs/amo1c"))
    assert str(script.requests[0].url) == sent_to
    assert script.requests[0].headers["host"] == "v6.example.com"


async def test_https_keeps_the_tls_server_name_and_the_host_header_on_the_name() -> None:
    script = Scripted(answer({"version": "1"}))
    async with scripted_client(script, allow_private=False, resolver=public_resolver()) as onec:
        await onec.get_handlers_version(connection("https://1с.пример.рф:8443/base/hs/amo1c"))
    [sent] = script.requests
    assert str(sent.url) == f"https://{PUBLIC_IP}:8443/base/hs/amo1c"
    assert sent.extensions["sni_hostname"] == "xn--1-7tb.xn--e1afmkfd.xn--p1ai"
    assert sent.headers["host"] == "xn--1-7tb.xn--e1afmkfd.xn--p1ai:8443"
    assert sent.headers["connection"] == "close"  # the pool keys connections by IP, not by TLS name
    assert sent.headers["authorization"].startswith("Basic ")


@pytest.mark.parametrize("url", ["http://onec.test/base/hs/amo1c", "https://10.0.0.5/base/hs/amo1c"])
async def test_allowed_private_addresses_and_literals_are_called_as_written(url: str) -> None:
    script = Scripted(answer({"version": "1"}))
    async with scripted_client(script, allow_private=True, resolver=failing_resolver) as onec:
        await onec.get_handlers_version(connection(url))
    [sent] = script.requests
    assert str(sent.url) == url
    assert sent.headers["host"] == httpx.URL(url).host and "sni_hostname" not in sent.extensions


async def test_a_public_literal_is_called_as_written() -> None:
    script = Scripted(answer({"version": "1"}))
    async with scripted_client(script, allow_private=False, resolver=failing_resolver) as onec:
        await onec.get_handlers_version(connection(f"https://{PUBLIC_IP}/base"))
    assert str(script.requests[0].url) == f"https://{PUBLIC_IP}/base"
    assert "sni_hostname" not in script.requests[0].extensions
