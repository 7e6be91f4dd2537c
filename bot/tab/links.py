"""Signed links to the supervision tab, for local mode (no MicrosoftAppId): what
`pcso-bot dashboard link --as COLLAR` prints and the tab's server accepts for 15 minutes.

A link names one officer by collar number and the instant it was made, signed with
itsdangerous (HMAC-SHA1 over a key derived from the secret, the salt naming the purpose)
with the service key `tab-link` (`storage/keys.py`), which `serve` and the CLI share through
the store. The token travels in the URL's fragment (`/tab/#link=…`), which browsers never
send to a server or put in a Referer, so it appears in no log; the tab's script sends it in
the `Authorization` header.

Time comes from the caller's clock (the app's injected one, the CLI's wall clock), never
from the machine's inside this module: itsdangerous' own timestamp is replaced by it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from itsdangerous import BadSignature, TimestampSigner, URLSafeTimedSerializer

KEY_NAME = "tab-link"
SALT = "pcso-bot.tab-link"
LIFETIME = timedelta(minutes=15)
# A link made on a machine whose clock is a little ahead of the server's is still good.
CLOCK_SKEW = timedelta(seconds=60)
MAX_TOKEN_CHARACTERS = 400


class LinkRefused(Exception):
    """A link the server does not accept; `expired` says whether it was good once."""

    def __init__(self, message: str, *, expired: bool = False) -> None:
        super().__init__(message)
        self.expired = expired


def _signer_at(now: datetime) -> type[TimestampSigner]:
    class ClockSigner(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(now.timestamp())

    return ClockSigner


def _serializer(secret: str, now: datetime) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=SALT, signer=_signer_at(now))


def sign(secret: str, collar: str, *, now: datetime) -> str:
    """A token for `collar`, made at `now`."""
    return _serializer(secret, now).dumps({"collar": collar})


def read(secret: str, token: str, *, now: datetime) -> str:
    """The collar number a token names, if it is genuine and was made at most 15 minutes
    before `now`; `LinkRefused` otherwise."""
    if len(token) > MAX_TOKEN_CHARACTERS:
        raise LinkRefused("the link is not one this service made")
    try:
        payload, made = _serializer(secret, now).loads(token, return_timestamp=True)
    except BadSignature as error:
        raise LinkRefused("the link is not one this service made") from error
    collar = _collar(payload)
    if made > now + CLOCK_SKEW:
        raise LinkRefused("the link was made in the future (check the clocks)")
    if now - made > LIFETIME:
        raise LinkRefused("the link has expired", expired=True)
    return collar


def _collar(payload: Any) -> str:
    collar = payload.get("collar") if isinstance(payload, dict) else None
    if not isinstance(collar, str) or not collar:
        raise LinkRefused("the link is not one this service made")
    return collar


@dataclass(frozen=True)
class Link:
    url: str
    expires: datetime


def link(base_url: str, token: str, *, now: datetime) -> Link:
    """The tab's address at `base_url` with the token in its fragment."""
    return Link(f"{base_url.rstrip('/')}/tab/#link={token}", now + LIFETIME)


def checked_base_url(value: str) -> str:
    """`--url`: where the service is, http(s)://host[:port], without path, query or fragment;
    ValueError naming what is wrong."""
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{value!r} is not an http:// or https:// address")
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
        raise ValueError(f"{value!r} must be only the service's address (no path, e.g. /tab/)")
    try:
        parts.port  # noqa: B018 - a port out of range raises here
    except ValueError as error:
        raise ValueError(f"{value!r} has a bad port number") from error
    return f"{parts.scheme}://{parts.netloc}"
