"""Bot Framework activities as JSON: checking what Teams posts, reading it, and building what
the bot answers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.channels.teams.renderer import ADAPTIVE_CARD_CONTENT_TYPE, to_adaptive
from bot.envelope import unsafe
from dialogs.core import Reply

MESSAGE_RESPONSE = "application/vnd.microsoft.activity.message"


# The columns these values end up in (storage/models): ids, conversations, tenants, URLs.
LIMITS = {
    "id": 200,
    "replyToId": 200,
    "name": 100,
    "type": 40,
    "serviceUrl": 500,
    "channelId": 40,
    "conversation.id": 300,
    "conversation.tenantId": 64,
    "from.id": 200,
    "from.name": 256,
    "from.aadObjectId": 64,
    "recipient.id": 200,
    "recipient.name": 256,
    "recipient.role": 20,
    "channelData.tenant.id": 64,
    "action": 40,
    "conversation.conversationType": 40,
    "conversation.name": 300,
}
# Ids that the bot puts in the connector's URLs when it answers: Teams' are ASCII.
URL_PARTS = frozenset(
    {"id", "replyToId", "serviceUrl", "conversation.id", "from.id", "recipient.id"}
)


def _at(body: dict[str, Any], path: str) -> tuple[bool, Any]:
    node: Any = body
    for key in path.split("."):
        if not isinstance(node, dict) or key not in node:
            return False, None
        node = node[key]
    return True, node


def check_activity(body: Any) -> str | None:
    """Why a posted activity is not one the bot can act on, or None: the fields it reads or
    keeps are checked by type, and by the length of the column that stores them."""
    if not isinstance(body, dict):
        return "activity must be a JSON object"
    if not isinstance(body.get("type"), str) or not body["type"]:
        return "activity has no type"
    for key in ("conversation", "from", "recipient"):
        value = body.get(key)
        if not isinstance(value, dict) or not isinstance(value.get("id"), str) or not value["id"]:
            return f"activity has no {key}.id"
    service_url = body.get("serviceUrl")
    if not isinstance(service_url, str) or not service_url.startswith(("https://", "http://")):
        return "activity has no serviceUrl"
    for key, expected in (("channelData", dict), ("channelData.tenant", dict), ("entities", list)):
        present, value = _at(body, key)
        if present and value is not None and not isinstance(value, expected):
            return f"activity {key} must be {'an array' if expected is list else 'an object'}"
    for path, limit in LIMITS.items():
        present, value = _at(body, path)
        if not present or value is None:
            continue
        if not isinstance(value, str):
            return f"activity {path} must be a string"
        if len(value) > limit:
            return f"activity {path} is longer than {limit} characters"
        if unsafe(value):
            return f"activity {path} holds control or invalid characters"
        if path in URL_PARTS and not (value.isascii() and value.isprintable()):
            return f"activity {path} must be printable ASCII"
    if "text" in body and body["text"] is not None and not isinstance(body["text"], str):
        return "activity text must be a string"
    members = body.get("membersAdded")
    if members is not None and not isinstance(members, list):
        return "activity membersAdded must be an array"
    present, value = _at(body, "conversation.isGroup")
    if present and value is not None and not isinstance(value, bool):
        return "activity conversation.isGroup must be true or false"
    return None


@dataclass(frozen=True)
class TeamsActivity:
    """What the bot reads of one posted activity, taken from its checked JSON.

    The SDK's msrest model is not built for the turn: deserialising an activity, taking its
    conversation reference and serialising a card reply cost milliseconds each, most of a
    turn. `check_activity` has already checked every field read here by type and length."""

    body: dict[str, Any]

    def _text(self, *path: str) -> str | None:
        present, value = _at(self.body, ".".join(path))
        return value if present and isinstance(value, str) and value else None

    @property
    def type(self) -> str:
        return str(self.body["type"])

    @property
    def id(self) -> str | None:
        return self._text("id")

    @property
    def name(self) -> str | None:
        return self._text("name")

    @property
    def text(self) -> str:
        return self._text("text") or ""

    @property
    def value(self) -> Any:
        return self.body.get("value")

    @property
    def action(self) -> str | None:
        return self._text("action")

    @property
    def reply_to_id(self) -> str | None:
        return self._text("replyToId")

    @property
    def channel_id(self) -> str | None:
        return self._text("channelId")

    @property
    def service_url(self) -> str:
        return str(self.body["serviceUrl"])

    @property
    def conversation_id(self) -> str:
        return str(self.body["conversation"]["id"])

    @property
    def sender_id(self) -> str:
        return str(self.body["from"]["id"])

    @property
    def sender_aad_object_id(self) -> str | None:
        return self._text("from", "aadObjectId")

    @property
    def tenant_id(self) -> str | None:
        return self._text("channelData", "tenant", "id") or self._text("conversation", "tenantId")

    def adds_the_bot(self) -> bool:
        """A conversation update that adds the bot itself to the conversation."""
        recipient = self.body["recipient"]["id"]
        members = self.body.get("membersAdded") or []
        return any(isinstance(m, dict) and m.get("id") == recipient for m in members)

    def reference(self) -> dict[str, Any]:
        """How to reach the sender again, in the SDK's `ConversationReference` JSON shape
        (without the activity id, which changes every turn while the reference does not)."""
        body = self.body
        reference = {
            "user": _only(body["from"], ("id", "name", "aadObjectId")),
            "bot": _only(body["recipient"], ("id", "name")),
            "conversation": _only(
                body["conversation"], ("id", "conversationType", "tenantId", "isGroup", "name")
            ),
            "channelId": body.get("channelId"),
            "serviceUrl": body["serviceUrl"],
        }
        return {k: v for k, v in reference.items() if v is not None}


def _only(node: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    return {k: node[k] for k in keys if node.get(k) is not None}


def message(
    reply: Reply, reference: dict[str, Any], *, reply_to: str | None = None
) -> dict[str, Any]:
    """The reply as a message activity addressed by a conversation reference: from the bot,
    to the user, in the conversation (what the SDK's `apply_conversation_reference` does).
    A card's `summary` is the activity's, which Teams shows in the notification and the
    chat list; the card's refresh is for the reference's user."""
    user = reference.get("user")
    user_id = user.get("id") if isinstance(user, dict) else None
    activity: dict[str, Any] = {
        "type": "message",
        "channelId": reference.get("channelId"),
        "serviceUrl": reference.get("serviceUrl"),
        "conversation": reference.get("conversation"),
        "from": reference.get("bot"),
        "recipient": reference.get("user"),
        "replyToId": reply_to,
        "text": reply.text,
    }
    if reply.card is not None:
        activity["summary"] = reply.card.summary or None
        content = to_adaptive(reply.card, user_id=user_id if isinstance(user_id, str) else None)
        activity["attachments"] = [{"contentType": ADAPTIVE_CARD_CONTENT_TYPE, "content": content}]
    return {k: v for k, v in activity.items() if v is not None}


def invoke_body(reply: Reply, user_id: str | None = None) -> dict[str, Any]:
    """An `adaptiveCard/action` answer: the updated card (refreshed for `user_id`, who
    acted on it), or the reply's words."""
    if reply.card is not None and reply.replace:
        return {
            "statusCode": 200,
            "type": ADAPTIVE_CARD_CONTENT_TYPE,
            "value": to_adaptive(reply.card, user_id=user_id),
        }
    return message_body(reply.text or "Done.")


def message_body(text: str) -> dict[str, Any]:
    return {"statusCode": 200, "type": MESSAGE_RESPONSE, "value": text}
