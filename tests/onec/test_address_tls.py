"""A pinned https call over real TLS on 127.0.0.1: it reaches the pinned IP, says the name in SNI and the Host
header, and the certificate is checked against that name — a certificate for another name is refused."""

from __future__ import annotations

import asyncio
import datetime
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from backend.onec import Destination

NAME = "onec.example.test"


def self_signed(name: str, directory: Path) -> tuple[Path, Path]:
    """Write a self-signed certificate for `name` (its own trust anchor) and its key; return both paths."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


@dataclass
class TLSServer:
    """A one-answer HTTPS server on 127.0.0.1 recording the SNI names and Host headers it was given."""

    port: int
    trust: ssl.SSLContext
    server_names: list[str | None] = field(default_factory=list)
    hosts: list[str] = field(default_factory=list)


@pytest.fixture
async def tls_server(tmp_path: Path) -> AsyncIterator[TLSServer]:
    cert, key = self_signed(NAME, tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    seen = TLSServer(port=0, trust=ssl.create_default_context(cafile=str(cert)))
    context.sni_callback = lambda sock, name, ctx: seen.server_names.append(name)

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
        seen.hosts += [line.split(":", 1)[1].strip() for line in head.split("\r\n") if line.lower().startswith("host:")]
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0, ssl=context)
    seen.port = server.sockets[0].getsockname()[1]
    async with server:
        yield seen


async def send(server: TLSServer, where: Destination) -> httpx.Response:
    target, headers, extensions = where.route()
    async with httpx.AsyncClient(verify=server.trust) as http:
        return await http.send(httpx.Request("GET", target, headers=headers, extensions=extensions))


async def test_a_pinned_https_call_checks_the_certificate_against_the_name(tls_server: TLSServer) -> None:
    where = Destination(httpx.URL(f"https://{NAME}:{tls_server.port}/base"), ip="127.0.0.1")
    response = await send(tls_server, where)
    assert response.text == "ok"
    assert tls_server.server_names == [NAME]
    assert tls_server.hosts == [f"{NAME}:{tls_server.port}"]


async def test_a_pinned_https_call_refuses_a_certificate_for_another_name(tls_server: TLSServer) -> None:
    where = Destination(httpx.URL(f"https://other.example.test:{tls_server.port}/base"), ip="127.0.0.1")
    with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
        await send(tls_server, where)
    assert tls_server.server_names == ["other.example.test"]
    assert tls_server.hosts == []
