"""The Bot Connector REST API, on one aiohttp session for the whole process.

Four calls of the documented v3 API are all the bot makes: send an activity into a
conversation, replace one (a card updated in place), look up a member, and create a 1:1
conversation. They are made here with `aiohttp` and plain JSON. The SDK's own connector
client sends with `requests` on the event loop's default thread pool (six threads on two
cores), builds a new client, credentials and HTTP session for every turn, and spends
milliseconds in msrest serialising each card; with it, replies queued behind one another
when Teams was slow. What stays an SDK's is the bearer token: it comes from the `TokenSource`
of the SDK `PCSO_TEAMS_SDK` chose (bot/channels/teams/auth.py), and is reused here for a
while, so most calls wait for no SDK at all.

Every call goes through one session whose connection pool is sized by
`PCSO_TEAMS_CONNECTIONS` at start-up. A one-off process (`pcso-bot jobs run`) has no
long-lived session and opens one per call.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

import aiohttp

from bot.channels.base import DeliveryError
from bot.channels.teams.auth import TokenSource
from bot.limits import parse_retry_after
from bot.settings import Settings

TOKEN_REUSE_SECONDS = 300.0  # MSAL hands out a cached token until 5 minutes before expiry
JSON = "application/json; charset=utf-8"


@contextlib.asynccontextmanager
async def connector_session(settings: Settings) -> AsyncIterator[aiohttp.ClientSession]:
    """The process's HTTP session for the Bot Connector: `PCSO_TEAMS_CONNECTIONS` connections
    at most, each call bounded by `PCSO_DELIVERY_TIMEOUT_SECONDS`."""
    pool = aiohttp.TCPConnector(limit=settings.teams_connections, limit_per_host=0)
    timeout = aiohttp.ClientTimeout(total=settings.delivery_timeout_seconds)
    async with aiohttp.ClientSession(connector=pool, timeout=timeout, trust_env=True) as session:
        yield session


class _Tokens:
    """Bearer tokens from the SDK's `TokenSource`, one asked for at a time and its answer
    reused for a while (both SDKs' MSAL caches hand out the same token until 5 minutes
    before it expires)."""

    def __init__(self, source: TokenSource) -> None:
        self._source = source
        self._token: str | None = None
        self._fetched = 0.0
        self._lock = asyncio.Lock()
        # The last answer to "may the bot have a token?", for /healthz: an expired or wrong
        # client secret shows there, not only in the log.
        self.failing: str | None = None
        self.obtained = False

    def health(self) -> dict[str, Any]:
        if not self._source.enabled:
            return {"token": "not needed (local mode)"}
        if self.failing is not None:
            return {"token": "failing", "token_error": self.failing}
        return {"token": "ok" if self.obtained else "not asked for yet"}

    async def authorization(self) -> dict[str, str]:
        """The Authorization header; none in the local, unauthenticated mode (no app id)."""
        if not self._source.enabled:
            return {}
        async with self._lock:
            if self._token is None or time.monotonic() - self._fetched > TOKEN_REUSE_SECONDS:
                try:
                    token = await self._source.token()
                except Exception as error:
                    self.failing = f"{type(error).__name__}: {error}"[:300]
                    raise DeliveryError(f"no token for the Bot Connector: {error}"[:300]) from error
                self._token, self._fetched = token, time.monotonic()
                self.failing, self.obtained = None, True
            return {"Authorization": f"Bearer {self._token}"}

    def close(self) -> None:
        self._source.close()


class BotConnector:
    """Replies, card updates, member look-ups and new conversations through the Bot
    Connector, for the transport and the proactive sender alike. Every failure is a
    `DeliveryError` with the HTTP status and `Retry-After` the outbox acts on."""

    def __init__(self, *, tokens: TokenSource, session: aiohttp.ClientSession | None) -> None:
        self._session = session
        self._tokens = _Tokens(tokens)

    async def send(
        self,
        service_url: str,
        conversation_id: str,
        activity: dict[str, Any],
        *,
        reply_to: str | None = None,
    ) -> str:
        """Post an activity into the conversation (as a reply to `reply_to` if given); the
        id Teams gave it."""
        path = f"v3/conversations/{_part(conversation_id)}/activities"
        if reply_to:
            path += f"/{_part(reply_to)}"
        answer = await self._call("POST", service_url, path, activity)
        found = answer.get("id") if isinstance(answer, dict) else None
        return found if isinstance(found, str) else ""

    async def update(
        self, service_url: str, conversation_id: str, activity_id: str, activity: dict[str, Any]
    ) -> None:
        """Replace an activity the bot sent (a card updated in place)."""
        path = f"v3/conversations/{_part(conversation_id)}/activities/{_part(activity_id)}"
        await self._call("PUT", service_url, path, {**activity, "id": activity_id})

    async def member_email(
        self, service_url: str, conversation_id: str, user_id: str
    ) -> str | None:
        """The member's e-mail or UPN, as Teams' member look-up gives it."""
        path = f"v3/conversations/{_part(conversation_id)}/members/{_part(user_id)}"
        member = await self._call("GET", service_url, path)
        if not isinstance(member, dict):
            return None
        found = member.get("email") or member.get("userPrincipalName")
        return found if isinstance(found, str) and found else None

    async def create_conversation(self, service_url: str, parameters: dict[str, Any]) -> str:
        """Open a conversation (a 1:1 chat with one member); its id."""
        created = await self._call("POST", service_url, "v3/conversations", parameters)
        found = created.get("id") if isinstance(created, dict) else None
        if not isinstance(found, str) or not found:
            raise DeliveryError("Teams created a conversation but gave no id")
        return found

    def health(self) -> dict[str, Any]:
        """Whether the bot could get its own token the last time it asked (an expired or
        wrong client secret makes every reply and prompt fail)."""
        return self._tokens.health()

    def close(self) -> None:
        self._tokens.close()

    async def _call(
        self, method: str, service_url: str, path: str, body: dict[str, Any] | None = None
    ) -> Any:
        url = f"{service_url.rstrip('/')}/{path}"
        headers = {"Accept": "application/json", **await self._tokens.authorization()}
        data = None
        if body is not None:
            data = json.dumps(body, separators=(",", ":")).encode()
            headers["Content-Type"] = JSON
        async with self._using() as session:
            try:
                async with session.request(method, url, data=data, headers=headers) as response:
                    raw = await response.read()
                    if response.status >= 400:
                        raise _refused(response, raw)
            except (aiohttp.ClientError, TimeoutError) as error:
                raise DeliveryError(f"{type(error).__name__}: {error}"[:300]) from error
        if not raw:
            return None
        try:
            return json.loads(raw)
        except ValueError:
            return None

    @contextlib.asynccontextmanager
    async def _using(self) -> AsyncIterator[aiohttp.ClientSession]:
        if self._session is not None:
            yield self._session
            return
        async with aiohttp.ClientSession(trust_env=True) as session:
            yield session


def _part(value: str) -> str:
    """An id as one URL path segment (conversation ids hold ':' and ';')."""
    return quote(value, safe="")


def _refused(response: aiohttp.ClientResponse, raw: bytes) -> DeliveryError:
    """Teams' error as words: its own code and message, cut short."""
    detail = ""
    with contextlib.suppress(ValueError, AttributeError, TypeError):
        error = json.loads(raw).get("error") or {}
        detail = f" ({error.get('code')}) {error.get('message') or ''}".rstrip()
    return DeliveryError(
        f"Teams answered {response.status}{detail}"[:300],
        status=response.status,
        retry_after=parse_retry_after(response.headers.get("Retry-After")),
    )
