"""Bot Framework activities: checking what Teams posts, and building what the bot answers."""

from __future__ import annotations

from typing import Any

from botbuilder.core import TurnContext
from botbuilder.schema import Activity, ActivityTypes, Attachment, InvokeResponse

from bot.channels.teams.renderer import ADAPTIVE_CARD_CONTENT_TYPE, to_adaptive
from dialogs.core import Reply

MESSAGE_RESPONSE = "application/vnd.microsoft.activity.message"


def check_activity(body: object) -> str | None:
    """What is wrong with a posted activity's JSON for the bot to act on it, if anything."""
    if not isinstance(body, dict):
        return "activity must be a JSON object"
    if not isinstance(body.get("type"), str) or not body["type"]:
        return "activity has no type"
    for key in ("conversation", "from", "recipient"):
        value = body.get(key)
        if not isinstance(value, dict) or not isinstance(value.get("id"), str):
            return f"activity has no {key}.id"
    service_url = body.get("serviceUrl")
    if not isinstance(service_url, str) or not service_url.startswith(("https://", "http://")):
        return "activity has no serviceUrl"
    for key in ("id", "text", "name", "replyToId"):
        if key in body and body[key] is not None and not isinstance(body[key], str):
            return f"activity {key} must be a string"
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
