"""Bot Framework activities: checking what Teams posts, and building what the bot answers."""

from __future__ import annotations

from typing import Any

from botbuilder.core import TurnContext
from botbuilder.schema import Activity, ActivityTypes, Attachment, InvokeResponse

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
    "channelData.tenant.id": 64,
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
    return None


def tenant_of(activity: Activity) -> str | None:
    data = activity.channel_data if isinstance(activity.channel_data, dict) else {}
    tenant = data.get("tenant") if isinstance(data.get("tenant"), dict) else {}
    return (tenant or {}).get("id") or getattr(activity.conversation, "tenant_id", None)


def card_activity(reply: Reply) -> Activity:
    attachments = (
        [Attachment(content_type=ADAPTIVE_CARD_CONTENT_TYPE, content=to_adaptive(reply.card))]
        if reply.card
        else None
    )
    return Activity(type=ActivityTypes.message, text=reply.text, attachments=attachments)


def invoke_body(reply: Reply) -> dict[str, Any]:
    """An `adaptiveCard/action` answer: the updated card, or the reply's words."""
    if reply.card is not None and reply.replace:
        return {
            "statusCode": 200,
            "type": ADAPTIVE_CARD_CONTENT_TYPE,
            "value": to_adaptive(reply.card),
        }
    return message_body(reply.text or "Done.")


def message_body(text: str) -> dict[str, Any]:
    return {"statusCode": 200, "type": MESSAGE_RESPONSE, "value": text}


async def invoke_response(context: TurnContext, status: int, body: Any) -> None:
    await context.send_activity(
        Activity(type=ActivityTypes.invoke_response, value=InvokeResponse(status=status, body=body))
    )
