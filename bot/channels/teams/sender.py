"""Proactive sends into Teams for the outbox, through the process's `BotConnector`, whose
errors are `DeliveryError`s carrying the HTTP status and `Retry-After` the outbox acts on.

A stored reference is the SDK's `ConversationReference` JSON (`user`, `bot`,
`conversation`, `channelId`, `serviceUrl`), as the transport keeps it."""

from __future__ import annotations

from typing import Any

from bot.channels.base import DeliveryError, FirstContact, Opened
from bot.channels.teams.activities import message
from bot.channels.teams.connector import BotConnector
from dialogs.core import Reply


class TeamsSender:
    """Sends into Teams conversations through the process's one `BotConnector`."""

    roster_field = "teams_user_id"

    def __init__(self, *, connector: BotConnector) -> None:
        self._connector = connector

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
        service_url, conversation_id = _where(reference)
        return await self._connector.send(service_url, conversation_id, message(reply, reference))

    async def open_conversation(
        self, reference: dict[str, Any], *, user_id: str, tenant_id: str | None, reply: Reply
    ) -> Opened:
        service_url, _ = _where(reference)
        parameters: dict[str, Any] = {
            "isGroup": False,
            "bot": reference.get("bot"),
            "members": [{"id": user_id}],
        }
        if tenant_id:
            parameters["tenantId"] = tenant_id
            parameters["channelData"] = {"tenant": {"id": tenant_id}}
        created = await self._connector.create_conversation(service_url, parameters)
        fresh = {**reference, "conversation": {**reference["conversation"], "id": created}}
        fresh.pop("activityId", None)
        activity_id = await self._connector.send(service_url, created, message(reply, fresh))
        return Opened(
            activity_id,
            created,
            fresh,
            service_url=service_url,
            tenant_id=fresh["conversation"].get("tenantId"),
        )


def _where(reference: dict[str, Any]) -> tuple[str, str]:
    """The service URL and conversation id of a stored reference."""
    conversation = reference.get("conversation")
    service_url = reference.get("serviceUrl")
    conversation_id = conversation.get("id") if isinstance(conversation, dict) else None
    if not isinstance(service_url, str) or not isinstance(conversation_id, str):
        raise DeliveryError("the stored conversation reference is incomplete")
    return service_url, conversation_id
