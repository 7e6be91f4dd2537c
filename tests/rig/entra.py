"""A fake Entra ID token service on loopback, where the bot gets its own token for the Bot
Connector (client credentials, `https://api.botframework.com/.default`), on either SDK.

Both SDKs ask MSAL, which calls `https://login.microsoftonline.com/...` (a host MSAL knows,
so it checks nothing more about it) with `requests`. Nothing in the service is patched and no
setting names another host: the bot is pointed at this fake the way an operator points it at
a force's proxy, with `HTTPS_PROXY`, and trusts it with `REQUESTS_CA_BUNDLE`. The fake is an
HTTP proxy that answers `CONNECT login.microsoftonline.com:443` itself, with a certificate for
that name from a CA made for the test, and refuses every other host: nothing leaves loopback.

It serves MSAL's instance metadata, the tenant's OpenID configuration and its token endpoint,
which records each request and answers a token for the right client secret, or
`invalid_client` (as Entra does for a wrong or expired secret).
"""

from __future__ import annotations

import datetime
import json
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from tests.rig.serving import threaded_server

LOGIN_HOST = "login.microsoftonline.com"
LOGIN = f"https://{LOGIN_HOST}"


@dataclass(frozen=True)
class TokenRequest:
    tenant: str
    form: dict[str, str]


@dataclass
class FakeEntra:
    """Issues tokens to `client_id` for `client_secret`; `requests` lists what it was asked."""

    client_id: str
    client_secret: str
    requests: list[TokenRequest] = field(default_factory=list)
    issued: list[str] = field(default_factory=list)
    proxy_url: str = ""
    ca_bundle: str = ""

    def environment(self) -> dict[str, str]:
        """What a process needs to reach this fake instead of Entra ID."""
        return {"HTTPS_PROXY": self.proxy_url, "REQUESTS_CA_BUNDLE": self.ca_bundle}

    def _answer(self, method: str, path: str, body: bytes) -> tuple[int, dict[str, Any]]:
        parts = [p for p in urlsplit(path).path.split("/") if p]
        if method == "GET" and parts[1:] == ["discovery", "instance"]:
            aliases = [LOGIN_HOST, "login.windows.net"]
            return 200, {
                "tenant_discovery_endpoint": (
                    f"{LOGIN}/{parts[0]}/v2.0/.well-known/openid-configuration"
                ),
                "metadata": [
                    {
                        "preferred_network": LOGIN_HOST,
                        "preferred_cache": LOGIN_HOST,
                        "aliases": aliases,
                    }
                ],
            }
        if method == "GET" and parts[1:] == ["v2.0", ".well-known", "openid-configuration"]:
            tenant = parts[0]
            return 200, {
                "issuer": f"{LOGIN}/{tenant}/v2.0",
                "authorization_endpoint": f"{LOGIN}/{tenant}/oauth2/v2.0/authorize",
                "token_endpoint": f"{LOGIN}/{tenant}/oauth2/v2.0/token",
            }
        if method == "POST" and parts[1:] == ["oauth2", "v2.0", "token"]:
            form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
            self.requests.append(TokenRequest(parts[0], form))
            if form.get("client_id") != self.client_id or (
                form.get("client_secret") != self.client_secret
            ):
                return 401, {
                    "error": "invalid_client",
                    "error_description": "AADSTS7000215: Invalid client secret provided.",
                }
            token = f"entra-token-{len(self.issued) + 1}"
            self.issued.append(token)
            return 200, {"token_type": "Bearer", "expires_in": 3599, "access_token": token}
        return 404, {"error": "not_found"}

    @contextmanager
    def serving(self, directory: Path) -> Iterator[FakeEntra]:
        context = _tls_context(directory)
        self.ca_bundle = str(directory / "fake-entra-ca.pem")
        entra = self

        class Login(BaseHTTPRequestHandler):
            """Requests inside the tunnel, to login.microsoftonline.com."""

            protocol_version = "HTTP/1.1"

            def _reply(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                status, document = entra._answer(self.command, self.path, self.rfile.read(length))
                body = json.dumps(document).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _reply

            def log_message(self, format: str, *args: Any) -> None:
                return

        class Proxy(BaseHTTPRequestHandler):
            def do_CONNECT(self) -> None:
                if self.path != f"{LOGIN_HOST}:443":
                    self.send_error(403, "this proxy only reaches the fake Entra ID")
                    return
                self.send_response(200, "Connection established")
                self.end_headers()
                self.wfile.flush()
                with context.wrap_socket(self.connection, server_side=True) as tunnel:
                    Login(tunnel, self.client_address, self.server)
                self.close_connection = True

            def log_message(self, format: str, *args: Any) -> None:
                return

        with threaded_server(Proxy) as self.proxy_url:
            yield self


def _tls_context(directory: Path) -> ssl.SSLContext:
    """A CA (written to `fake-entra-ca.pem`) and a certificate it signs for the login host."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "pcso-bot test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, LOGIN_HOST)]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(LOGIN_HOST)]), critical=False)
        .add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    (directory / "fake-entra-ca.pem").write_bytes(ca.public_bytes(pem))
    chain = directory / "fake-entra-login.pem"
    chain.write_bytes(
        certificate.public_bytes(pem)
        + key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(chain)
    return context
