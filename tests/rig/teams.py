"""Speaks to the bot exactly as Teams does: Bot Framework activities POSTed over HTTP."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from bot.chat.cards import unescape
from tests.rig.connector import FakeConnector, Sent

TENANT = "11111111-2222-3333-4444-555555555555"
BOT_ID = "28:pcso-bot"
_counter = itertools.count(1)


@dataclass
class Result:
    status: int
    body: Any
    replies: list[Sent] = field(default_factory=list)

    @property
    def texts(self) -> list[str]:
        return [r.text for r in self.replies if r.text]

    @property
    def cards(self) -> list[dict[str, Any]]:
        return [c for r in self.replies if (c := r.card) is not None]

    def all_text(self) -> str:
        """Every reply's text and card text, for assertions about what the user saw."""
        parts = list(self.texts)
        for card in self.cards:
            parts.extend(card_texts(card))
        if isinstance(self.body, dict) and isinstance(self.body.get("value"), str):
            parts.append(self.body["value"])
        elif isinstance(self.body, dict) and isinstance(self.body.get("value"), dict):
            parts.extend(card_texts(self.body["value"]))
        return "\n".join(parts)


def nodes(card: Any) -> Iterator[dict[str, Any]]:
    """Every element of a card, depth first, in order: also hidden containers and the forms
    buttons open; not the fallbacks for older clients nor the refresh action."""
    if isinstance(card, dict):
        yield card
        for key, value in card.items():
            if key not in ("fallback", "refresh"):
                yield from nodes(value)
    elif isinstance(card, list):
        for value in card:
            yield from nodes(value)


def card_texts(card: dict[str, Any]) -> list[str]:
    texts: list[str] = []
    for node in nodes(card):
        if node.get("type") == "TextBlock":
            texts.append(unescape(node.get("text", "")))
        if node.get("type") == "FactSet":
            texts.extend(unescape(f"{f['title']}: {f['value']}") for f in node.get("facts", []))
        if str(node.get("type", "")).startswith("Action."):
            texts.append(node.get("title", ""))
    return texts


def actions(card: dict[str, Any]) -> list[dict[str, Any]]:
    """Every button of a card, in order: the card's own, those in the body (also hidden
    ones) and those of forms opened by a button; not the fallbacks for older clients."""
    found = [*nodes(card.get("body")), *nodes(card.get("actions"))]
    return [node for node in found if str(node.get("type", "")).startswith("Action.")]


def action(card: dict[str, Any] | None, title: str) -> dict[str, Any]:
    """The button titled `title` (see `actions`)."""
    assert card is not None
    return next(a for a in actions(card) if a.get("title") == title)


def inputs(card: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    """Every input of a card by id: in the body, hidden containers and buttons' forms."""
    assert card is not None
    return {
        node["id"]: node
        for node in nodes(card)
        if str(node.get("type", "")).startswith("Input.") and "id" in node
    }


@dataclass
class TeamsUser:
    """One Teams user in a personal (1:1) conversation with the bot."""

    http: aiohttp.ClientSession
    bot_url: str
    connector: FakeConnector
    user_id: str
    aad_object_id: str | None = None
    name: str = "Officer"
    tenant_id: str = TENANT
    conversation_id: str = ""
    service_url: str = ""

    def __post_init__(self) -> None:
        self.conversation_id = self.conversation_id or f"a:conv-{uuid.uuid4().hex[:10]}"
        self.service_url = self.service_url or self.connector.url

    def activity(self, type_: str = "message", **fields: Any) -> dict[str, Any]:
        sender: dict[str, Any] = {"id": self.user_id, "name": self.name}
        if self.aad_object_id:
            sender["aadObjectId"] = self.aad_object_id
        activity = {
            "type": type_,
            "id": f"act-{next(_counter)}-{uuid.uuid4().hex[:6]}",
            "timestamp": "2026-12-01T08:00:00.000Z",
            "serviceUrl": self.service_url,
            "channelId": "msteams",
            "from": sender,
            "conversation": {
                "id": self.conversation_id,
                "conversationType": "personal",
                "tenantId": self.tenant_id,
            },
            "recipient": {"id": BOT_ID, "name": "PCSO bot"},
            "channelData": {"tenant": {"id": self.tenant_id}},
        }
        activity.update(fields)
        return activity

    async def post(self, activity: dict[str, Any] | bytes | str, **headers: str) -> Result:
        before = len(self.connector.sent)
        kwargs: dict[str, Any] = {"headers": headers}
        if isinstance(activity, dict):
            kwargs["json"] = activity
        else:
            kwargs["data"] = activity
            kwargs["headers"] = {"Content-Type": "application/json", **headers}
        async with self.http.post(f"{self.bot_url}/api/messages", **kwargs) as response:
            raw = await response.text()
            try:
                body: Any = await response.json(content_type=None) if raw else None
            except ValueError:
                body = raw
            replies = [
                s for s in self.connector.sent[before:] if s.conversation_id == self.conversation_id
            ]
            return Result(response.status, body, replies)

    async def say(self, text: str, **fields: Any) -> Result:
        return await self.post(self.activity(text=text, **fields))

    async def submit(self, data: dict[str, Any], *, reply_to: str | None = None) -> Result:
        """Action.Submit: a message activity whose `value` is the card's data and inputs."""
        fields: dict[str, Any] = {"value": data}
        if reply_to:
            fields["replyToId"] = reply_to
        return await self.post(self.activity(**fields))

    async def execute(self, verb: str, data: dict[str, Any]) -> Result:
        """Action.Execute: an `adaptiveCard/action` invoke, answered in the HTTP response."""
        value = {"action": {"type": "Action.Execute", "verb": verb, "data": data}}
        return await self.post(self.activity("invoke", name="adaptiveCard/action", value=value))

    async def install(self) -> Result:
        return await self.post(self.activity("installationUpdate", action="add"))
