"""Sending into Slack DMs with the Web API, and Slack's failures as `DeliveryError`s."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot.channels.base import DeliveryError, FirstContact, Opened
from bot.channels.slack.payloads import CHANNEL, text_at
from bot.channels.slack.renderer import message
from bot.limits import parse_retry_after
from dialogs.core import Reply

# Slack answers most failures with HTTP 200 and `ok: false`; the outbox acts on a status.
GONE_ERRORS = frozenset(
    {
        "channel_not_found",
        "is_archived",
        "user_not_found",
        "user_disabled",
        "cannot_dm_bot",
        "messages_tab_disabled",
    }
)
AUTH_ERRORS = frozenset(
    {"not_authed", "invalid_auth", "token_revoked", "token_expired", "account_inactive"}
)
PASSING_ERRORS = frozenset(
    {"internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)


class SlackSender:
    """Sends into Slack DMs with the Web API, for the outbox and for replies to turns.

    The client's `AsyncRateLimitErrorRetryHandler` waits out a 429's `Retry-After` and
    tries again; what still fails becomes a `DeliveryError` whose status the outbox acts on.
    """

    roster_field = "slack_user_id"

    def __init__(self, *, client: AsyncWebClient) -> None:
        self._client = client

    def user_of(self, reference: dict[str, Any]) -> str | None:
        """A Slack reference keeps `{"user": "U…"}`."""
        return text_at(reference, "user")

    def first_contact(self, user_id: str) -> FirstContact:
        """A DM is opened with the user's Slack id when the message is sent."""
        return FirstContact(f"slack-user:{user_id}", CHANNEL, {"user": user_id})

    async def send(self, reference: dict[str, Any], reply: Reply) -> str:
        """Send into the stored DM (opened first if only the user is known); the message ts."""
        channel = text_at(reference, "channel")
        if channel is None:
            channel = await self.open_dm(text_at(reference, "user") or "")
        return await self.post(channel, reply)

    async def open_conversation(
        self, reference: dict[str, Any], *, user_id: str, tenant_id: str | None, reply: Reply
    ) -> Opened:
        """The DM is gone: open it again and send there."""
        channel = await self.open_dm(user_id)
        ts = await self.post(channel, reply)
        return Opened(ts, channel, {**reference, "channel": channel, "user": user_id})

    async def open_dm(self, user_id: str) -> str:
        if not user_id:
            raise DeliveryError("no Slack channel or user to send to", status=400)
        with _delivery_errors("conversations.open"):
            response = await self._client.conversations_open(users=user_id)
        channel = text_at(response.data, "channel", "id")
        if channel is None:
            raise DeliveryError("Slack conversations.open returned no channel")
        return channel

    async def post(self, channel: str, reply: Reply) -> str:
        with _delivery_errors("chat.postMessage"):
            response = await self._client.chat_postMessage(
                channel=channel, unfurl_links=False, unfurl_media=False, **message(reply)
            )
        return text_at(response.data, "ts") or ""

    async def update(self, channel: str, ts: str, reply: Reply) -> None:
        with _delivery_errors("chat.update"):
            await self._client.chat_update(channel=channel, ts=ts, **message(reply))


@contextlib.contextmanager
def _delivery_errors(method: str) -> Iterator[None]:
    try:
        yield
    except SlackApiError as error:
        response = error.response
        code = text_at(response.data, "error") or ""
        status = response.status_code if response.status_code != 200 else _status_of(code)
        raise DeliveryError(
            f"Slack {method} answered {response.status_code} {code}".strip(),
            status=status,
            retry_after=parse_retry_after(_header(response.headers, "Retry-After")),
        ) from error
    except (SlackClientError, aiohttp.ClientError, TimeoutError) as error:
        raise DeliveryError(
            f"Slack {method} failed: {type(error).__name__} {error}"[:300]
        ) from error


def _status_of(code: str) -> int:
    """An HTTP-like status for an `ok: false` answer: gone, unauthorised, passing or final."""
    if code in GONE_ERRORS:
        return 404
    if code in AUTH_ERRORS:
        return 401
    if code == "ratelimited":
        return 429
    if code in PASSING_ERRORS:
        return 503
    return 400


def _header(headers: Any, name: str) -> str | None:
    if not isinstance(headers, Mapping):
        return None
    for key, value in headers.items():
        if str(key).lower() == name.lower():
            return str(value[0] if isinstance(value, list) and value else value)
    return None
