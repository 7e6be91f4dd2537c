"""A local OpenID issuer: what the Bot Framework's token service is to the bot, on loopback.

It serves OpenID metadata and a JWKS with RSA keys made for the test, and signs tokens the
way the Bot Framework channel service does (issuer, audience = the bot's app id,
`serviceurl`, a `kid` whose key endorses the channel). The service is pointed at it with
`PCSO_OPENID_METADATA_URL` and `PCSO_TOKEN_ISSUER`, the settings meant for tests and
sovereign clouds; nothing in the service is patched.

It is also an Entra ID authority for the supervision tab's single sign-on: the tenants'
metadata at `/{tenant}/v2.0/.well-known/openid-configuration` names the same keys, and
`user_token` signs what Teams' `getAuthToken` gives a tab (`oid`, `tid`, the
`access_as_user` scope, a v2.0 or v1.0 issuer), dated by the test's clock. The service is
pointed at it with `PCSO_TAB_AUTHORITY` (its `url`).

The SDK fetches the metadata with a blocking `requests.get` on the event loop, so the issuer
runs in a thread of its own (on the test's loop it would deadlock).
"""

from __future__ import annotations

import base64
import json
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.rig.serving import threaded_server

BOT_FRAMEWORK_ISSUER = "https://api.botframework.com"
METADATA_PATH = "/v1/.well-known/openidconfiguration"
KEYS_PATH = "/v1/.well-known/keys"
ENTRA_METADATA = re.compile(r"/([\w.-]+)/v2\.0/\.well-known/openid-configuration")
ENTRA_KEYS_PATH = "/common/discovery/v2.0/keys"
V1_ISSUER = "https://sts.windows.net/{tid}/"


def _b64(number: int) -> str:
    raw = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@dataclass
class SigningKey:
    kid: str
    private: rsa.RSAPrivateKey
    endorsements: tuple[str, ...] = ("msteams",)

    @classmethod
    def make(cls, kid: str, endorsements: tuple[str, ...] = ("msteams",)) -> SigningKey:
        return cls(
            kid, rsa.generate_private_key(public_exponent=65537, key_size=2048), endorsements
        )

    def jwk(self) -> dict[str, Any]:
        numbers = self.private.public_key().public_numbers()
        return {
            "kty": "RSA",
            "use": "sig",
            "kid": self.kid,
            "n": _b64(numbers.n),
            "e": _b64(numbers.e),
            "endorsements": list(self.endorsements),
        }

    def public_pem(self) -> bytes:
        return self.private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )


@dataclass
class FakeIssuer:
    """`keys` are published; `unpublished` sign tokens the service cannot verify."""

    issuer: str = BOT_FRAMEWORK_ISSUER
    keys: list[SigningKey] = field(default_factory=lambda: [SigningKey.make("test-key-1")])
    url: str = ""
    fetches: int = 0

    @property
    def metadata_url(self) -> str:
        return f"{self.url}{METADATA_PATH}"

    def token(
        self,
        *,
        audience: str,
        service_url: str,
        issuer: str | None = None,
        key: SigningKey | None = None,
        kid: str | None = None,
        expires_in: float = 3600,
        not_before_in: float = -60,
        **claims: Any,
    ) -> str:
        """A signed channel token, valid unless the arguments say otherwise."""
        signer = key or self.keys[0]
        now = time.time()
        payload = {
            "iss": issuer or self.issuer,
            "aud": audience,
            "serviceurl": service_url,
            "iat": int(now) - 60,
            "nbf": int(now + not_before_in),
            "exp": int(now + expires_in),
            **claims,
        }
        return jwt.encode(
            payload, signer.private, algorithm="RS256", headers={"kid": kid or signer.kid}
        )

    def user_token(
        self,
        *,
        audience: str,
        tenant: str,
        oid: str,
        now: datetime,
        version: str = "2.0",
        issuer: str | None = None,
        key: SigningKey | None = None,
        expires_in: float = 3600,
        scp: str = "access_as_user",
        **claims: Any,
    ) -> str:
        """A signed-in user's token for the tab, as Entra ID issues it to Teams, issued at
        `now` (the service's clock): v2.0 (issuer `{url}/{tenant}/v2.0`) or v1.0 (issuer
        `https://sts.windows.net/{tenant}/`); `claims` add or replace (None removes)."""
        signer = key or self.keys[0]
        issued = int(now.timestamp())
        default_issuer = f"{self.url}/{tenant}/v2.0" if version == "2.0" else V1_ISSUER
        payload = {
            "iss": issuer or default_issuer.format(tid=tenant),
            "aud": audience,
            "tid": tenant,
            "oid": oid,
            "scp": scp,
            "ver": version,
            "iat": issued,
            "nbf": issued,
            "exp": int(issued + expires_in),
            **claims,
        }
        payload = {name: value for name, value in payload.items() if value is not None}
        return jwt.encode(payload, signer.private, algorithm="RS256", headers={"kid": signer.kid})

    def _documents(self, path: str) -> dict[str, Any] | None:
        entra = ENTRA_METADATA.fullmatch(path)
        if entra:
            return {
                "issuer": f"{self.url}/{entra[1]}/v2.0",
                "jwks_uri": f"{self.url}{ENTRA_KEYS_PATH}",
                "id_token_signing_alg_values_supported": ["RS256"],
            }
        if path in (KEYS_PATH, ENTRA_KEYS_PATH):
            return {"keys": [key.jwk() for key in self.keys]}
        if path == METADATA_PATH:
            return {
                "issuer": self.issuer,
                "jwks_uri": f"{self.url}{KEYS_PATH}",
                "id_token_signing_alg_values_supported": ["RS256"],
            }
        return None

    @contextmanager
    def serving(self) -> Iterator[FakeIssuer]:
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                issuer.fetches += 1
                document = issuer._documents(self.path)
                body = json.dumps(document or {"error": "not found"}).encode()
                self.send_response(200 if document is not None else 404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                return

        with threaded_server(Handler) as self.url:
            yield self


def unsigned_token(payload: dict[str, Any], header: dict[str, Any]) -> str:
    """A token with any header (e.g. `alg: none`) and no valid signature."""

    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part(header)}.{part(payload)}."


def hs256_with_public_key(payload: dict[str, Any], key: SigningKey) -> str:
    """The algorithm-confusion forgery: HMAC-signed with the issuer's public key as secret."""
    import hashlib
    import hmac

    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    signing_input = f"{part({'alg': 'HS256', 'typ': 'JWT', 'kid': key.kid})}.{part(payload)}"
    digest = hmac.new(key.public_pem(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{base64.urlsafe_b64encode(digest).rstrip(b'=').decode()}"
