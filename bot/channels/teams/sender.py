"""Sending into Teams: the Bot Framework SDK's connector client, and its errors as
`DeliveryError`s carrying the HTTP status and `Retry-After` the outbox acts on."""

from __future__ import annotations

import asyncio
import contextlib
import weakref
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import (
    Activity,
    ChannelAccount,
    ConversationParameters,
    ConversationReference,
)
from botframework.connector.aio import ConnectorClient

from bot.channels.base import DeliveryError, FirstContact, Opened
from bot.channels.teams.activities import card_activity
from bot.limits import parse_retry_after
from bot.settings import Settings
from dialogs.core import Reply


@contextlib.contextmanager
def _channel_errors() -> Iterator[None]:
    """The SDK raises msrest errors whose `response` carries the HTTP status and headers."""
    try:
        yield
    except DeliveryError:
        raise
    except Exception as error:
        response = getattr(error, "response", None)
        status = getattr(response, "status_code", None)
        headers = getattr(response, "headers", None) or {}
        described = f"Teams answered {status}" if status else type(error).__name__
        raise DeliveryError(
            f"{described}: {error}"[:300],
            status=status,
            retry_after=parse_retry_after(headers.get("Retry-After")),
        ) from error


class TeamsSender:
    """Sends into Teams conversations with the Bot Framework SDK's connector client.

    `CloudAdapter.continue_conversation` builds a new connector client, new credentials (so
    a new token, fetched synchronously on the event loop) and a new HTTP session for every
    message. Here one client per service URL is kept: its token is cached until it expires
    and its connections are reused. The SDK sends with `requests` on the event loop's
    default executor, so that executor gets one thread per concurrent send allowed.
    """

    roster_field = "teams_user_id"

    def __init__(self, *, adapter: CloudAdapter, settings: Settings) -> None:
        self._adapter = adapter
        self._settings = settings
        self._clients: dict[str, ConnectorClient] = {}
        self._widened: weakref.WeakSet[asyncio.AbstractEventLoop] = weakref.WeakSet()

    def user_of(self, reference: dict[str, Any]) -> str | None:
        """A Teams reference keeps `{"user": {"id": …}}`."""
        found = reference.get("user")
        if isinstance(found, dict):
            found = found.get("id")
        return found if isinstance(found, str) and found else None

    def first_contact(self, user_id: str) -> FirstContact | None:
        """Teams needs the service URL of an installation to open a conversation: none."""
        return None

    async def send(self, reference: dict[str, Any], reply: Reply) -> str:
        target = ConversationReference().deserialize(reference)
        client = await self._client(target.service_url)
        with _channel_errors():
            response = await client.conversations.send_to_conversation(
                target.conversation.id, _addressed(reply, target)
            )
        return response.id if response and response.id else ""

    async def open_conversation(
        self, reference: dict[str, Any], *, user_id: str, tenant_id: str | None, reply: Reply
    ) -> Opened:
        old = ConversationReference().deserialize(reference)
        client = await self._client(old.service_url)
        parameters = ConversationParameters(
            is_group=False,
            bot=old.bot,
            members=[ChannelAccount(id=user_id)],
            tenant_id=tenant_id,
            channel_data={"tenant": {"id": tenant_id}} if tenant_id else None,
        )
        with _channel_errors():
            created = await client.conversations.create_conversation(parameters)
        fresh = {**reference, "conversation": {**reference["conversation"], "id": created.id}}
        fresh.pop("activityId", None)
        target = ConversationReference().deserialize(fresh)
        with _channel_errors():
            response = await client.conversations.send_to_conversation(
                created.id, _addressed(reply, target)
            )
        activity_id = response.id if response and response.id else ""
        return Opened(
            activity_id,
            created.id,
            fresh,
            service_url=fresh.get("serviceUrl", ""),
            tenant_id=(fresh.get("conversation") or {}).get("tenantId"),
        )

    async def _client(self, service_url: str) -> ConnectorClient:
        self._widen_executor()
        client = self._clients.get(service_url)
        if client is None:
            identity = self._adapter.create_claims_identity(self._settings.app_id)
            factory = self._adapter.bot_framework_authentication.create_connector_factory(identity)
            client = self._clients[service_url] = await factory.create(service_url, None)
        return client

    def _widen_executor(self) -> None:
        loop = asyncio.get_running_loop()
        if loop not in self._widened:
            threads = ThreadPoolExecutor(
                self._settings.delivery_concurrency, thread_name_prefix="teams-send"
            )
            loop.set_default_executor(threads)
            self._widened.add(loop)


def _addressed(reply: Reply, target: ConversationReference) -> Activity:
    """The reply as a new message in the conversation (not a reply to an earlier activity)."""
    activity = TurnContext.apply_conversation_reference(card_activity(reply), target)
    activity.reply_to_id = None
    return activity
