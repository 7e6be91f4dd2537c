"""The keys that sign the Bot Framework channel's tokens, from its OpenID metadata, with the
channels each key endorses: what the Agents SDK stack checks tokens with (no SDK here).

The metadata (`PCSO_OPENID_METADATA_URL`, the public Bot Framework's by default) names the
JWKS; both are fetched with aiohttp on the event loop (nothing blocks it) and kept for a day,
as botbuilder keeps them. A key id not in the set fetches them again, at most once every
`UNKNOWN_KEY_REFRESH_SECONDS`, so a stream of forged key ids cannot make the bot fetch more
often than that. Concurrent requests wait for one fetch.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

import aiohttp
from jwt import PyJWK, PyJWTError

from bot.channels.teams.auth import Refused

KEYS_LIFETIME_SECONDS = 24 * 3600.0
UNKNOWN_KEY_REFRESH_SECONDS = 300.0
FETCH_TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class ChannelKey:
    """A published signing key and the channels it endorses (empty: it says nothing)."""

    kid: str
    jwk: PyJWK
    endorsements: frozenset[str]

    def endorses(self, channel_id: str | None) -> bool:
        """The Bot Framework's rule: a key that lists endorsements signs only for those
        channels; an activity with no channel id asks for none."""
        return not channel_id or not self.endorsements or channel_id in self.endorsements


class ChannelKeys:
    """The channel's published keys by key id, fetched when needed."""

    def __init__(self, metadata_url: str) -> None:
        self._metadata_url = metadata_url
        self._keys: dict[str, ChannelKey] = {}
        self._fetched: float | None = None  # time.monotonic() of the last fetch
        self._lock = asyncio.Lock()

    async def find(self, kid: Any) -> ChannelKey:
        """The key `kid` names; `Refused` if the channel does not publish it."""
        if not isinstance(kid, str) or not kid:
            raise Refused("the token names no key (kid)")
        async with self._lock:
            if self._stale(KEYS_LIFETIME_SECONDS) or (
                kid not in self._keys and self._stale(UNKNOWN_KEY_REFRESH_SECONDS)
            ):
                await self._refresh()
        found = self._keys.get(kid)
        if found is None:
            raise Refused(f"key {kid[:80]!r} is not published at {self._metadata_url}")
        return found

    def _stale(self, seconds: float) -> bool:
        return self._fetched is None or time.monotonic() - self._fetched > seconds

    async def _refresh(self) -> None:
        timeout = aiohttp.ClientTimeout(total=FETCH_TIMEOUT_SECONDS)
        async with aiohttp.ClientSession(timeout=timeout, trust_env=True) as http:
            metadata = await _json(http, self._metadata_url)
            jwks_uri = metadata.get("jwks_uri")
            if not isinstance(jwks_uri, str) or not jwks_uri:
                raise Refused(f"no jwks_uri in the OpenID metadata at {self._metadata_url}")
            published = (await _json(http, jwks_uri)).get("keys")
        if not isinstance(published, list):
            raise Refused(f"no keys at {jwks_uri}")
        self._keys = dict(_keys(published))
        self._fetched = time.monotonic()


async def _json(http: aiohttp.ClientSession, url: str) -> dict[str, Any]:
    async with http.get(url) as response:
        response.raise_for_status()
        found = await response.json(content_type=None)
    if not isinstance(found, dict):
        raise Refused(f"{url} did not answer a JSON object")
    return found


def _keys(published: list[Any]) -> list[tuple[str, ChannelKey]]:
    """The usable RSA signing keys of a JWKS; others (and malformed ones) are left out."""
    found = []
    for entry in published:
        if not isinstance(entry, dict) or entry.get("kty") != "RSA":
            continue
        kid, endorsements = entry.get("kid"), entry.get("endorsements") or []
        if not isinstance(kid, str) or not isinstance(endorsements, list):
            continue
        try:
            jwk = PyJWK(entry, algorithm="RS256")
        except (PyJWTError, ValueError, TypeError, KeyError):
            continue  # a key the bot cannot read signs nothing it accepts
        found.append((kid, ChannelKey(kid, jwk, frozenset(str(e) for e in endorsements))))
    return found
