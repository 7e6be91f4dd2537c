"""The Microsoft Teams transport: Bot Framework activities in, Adaptive Cards out.

The only module that knows botbuilder's turn types. It turns an activity into an
`Inbound`, lets the `TurnRunner` do the work, and renders the replies: a card the user
acted on is updated in place, and an `adaptiveCard/action` invoke is answered with the
updated card.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.core.teams import TeamsInfo
from botbuilder.schema import Activity, ActivityTypes, Attachment, InvokeResponse
from botbuilder.schema.teams import TeamsChannelAccount
from sqlalchemy.ext.asyncio import AsyncSession

from bot import identity
from bot.turns import Inbound, Outcome, TurnRunner, Where
from dialogs.cards import ADAPTIVE_CARD_CONTENT_TYPE, to_adaptive
from dialogs.core import Reply
from storage.models import Officer

log = logging.getLogger(__name__)

CHANNEL = "msteams"
APOLOGY = "Sorry, something went wrong on my side and nothing was saved. Please try again shortly."
WELCOME = "Hello. I'm the PCSO daily-workflow bot. Type help to see what you can do."
MESSAGE_RESPONSE = "application/vnd.microsoft.activity.message"


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


class TeamsTransport:
    def __init__(self, *, runner: TurnRunner) -> None:
        self._runner = runner

    async def on_turn(self, context: TurnContext) -> None:
        activity = context.activity
        inbound = self._inbound(activity)
        if inbound is None:
            if activity.type == ActivityTypes.invoke:
                await _invoke_response(context, HTTPStatus.NOT_IMPLEMENTED, None)
            return

        async def resolve(session: AsyncSession) -> Officer | None:
            return await identity.teams_officer(
                session,
                aad_object_id=activity.from_property.aad_object_id,
                teams_user_id=activity.from_property.id,
                lookup_email=lambda: _member_email(context),
            )

        outcome = await self._runner.run(inbound, resolve)
        await self._answer(context, inbound, outcome)

    @staticmethod
    def _inbound(activity: Activity) -> Inbound | None:
        where = Where(
            channel=CHANNEL,
            conversation_id=activity.conversation.id,
            service_url=activity.service_url,
            tenant_id=tenant_of(activity),
            reference=TurnContext.get_conversation_reference(activity).serialize(),
        )
        common: dict[str, Any] = {"channel": CHANNEL, "activity_id": activity.id, "where": where}
        if activity.type == ActivityTypes.message:
            data = activity.value if isinstance(activity.value, dict) else None
            return Inbound(text=activity.text or "", data=_clean(data), **common)
        if activity.type == ActivityTypes.invoke and activity.name == "adaptiveCard/action":
            return Inbound(data=_execute_data(activity.value), **common)
        if activity.type == ActivityTypes.installation_update or (
            activity.type == ActivityTypes.conversation_update
            and any(m.id == activity.recipient.id for m in activity.members_added or [])
        ):
            return Inbound(conversational=False, **common)
        return None

    async def _answer(self, context: TurnContext, inbound: Inbound, outcome: Outcome) -> None:
        activity = context.activity
        is_invoke = activity.type == ActivityTypes.invoke
        if outcome.duplicate:
            if is_invoke:
                await _invoke_response(context, HTTPStatus.OK, _message_body("Already recorded."))
            return
        if not inbound.conversational:
            if (
                outcome.officer_id is not None
                and activity.type == ActivityTypes.installation_update
            ) and (activity.action or "add").startswith("add"):
                await context.send_activity(Activity(type=ActivityTypes.message, text=WELCOME))
            return
        invoke_body: dict[str, Any] | None = None
        for reply in outcome.replies:
            if is_invoke and invoke_body is None:
                invoke_body = _invoke_body(reply)
                if reply.card is None or reply.replace:
                    continue
            if (
                reply.replace
                and reply.card
                and activity.reply_to_id
                and not is_invoke
                and await _update(context, activity.reply_to_id, reply)
            ):
                continue
            await context.send_activity(card_activity(reply))
        if is_invoke:
            await _invoke_response(context, HTTPStatus.OK, invoke_body or _message_body("Done."))


def _execute_data(value: Any) -> dict[str, Any]:
    """An Action.Execute's data with its verb; a malformed one is data with no verb, which
    the router answers in words like any other unknown action."""
    action = value.get("action") if isinstance(value, dict) else None
    if not isinstance(action, dict):
        return {"verb": ""}
    data = action.get("data")
    merged = dict(data) if isinstance(data, dict) else {}
    if isinstance(action.get("verb"), str) and action["verb"]:
        merged["verb"] = action["verb"]
    return _clean(merged) or {"verb": ""}


def _clean(data: dict[str, Any] | None) -> dict[str, Any] | None:
    """Card data without Teams' own keys; inputs stay as the store's field names."""
    if not data:
        return None
    return {k: v for k, v in data.items() if k != "msteams"}


def _invoke_body(reply: Reply) -> dict[str, Any]:
    if reply.card is not None and reply.replace:
        return {
            "statusCode": 200,
            "type": ADAPTIVE_CARD_CONTENT_TYPE,
            "value": to_adaptive(reply.card),
        }
    return _message_body(reply.text or "Done.")


def _message_body(text: str) -> dict[str, Any]:
    return {"statusCode": 200, "type": MESSAGE_RESPONSE, "value": text}


async def _invoke_response(context: TurnContext, status: int, body: Any) -> None:
    await context.send_activity(
        Activity(type=ActivityTypes.invoke_response, value=InvokeResponse(status=status, body=body))
    )


async def _update(context: TurnContext, activity_id: str, reply: Reply) -> bool:
    """Update the card in place; False if Teams refuses (the caller then sends a new one)."""
    update = card_activity(reply)
    update.id = activity_id
    try:
        await context.update_activity(update)
    except Exception as error:  # noqa: BLE001 - any connector failure: send a new message
        log.warning("could not update card %s in place: %s", activity_id, error)
        return False
    return True


async def _member_email(context: TurnContext) -> str | None:
    """Email or UPN from the Teams member look-up; None if Teams cannot tell us."""
    try:
        member: TeamsChannelAccount = await TeamsInfo.get_member(
            context, context.activity.from_property.id
        )
    except Exception as error:  # noqa: BLE001 - a failed look-up means "unknown user"
        log.warning("Teams member look-up failed: %s", error)
        return None
    return getattr(member, "email", None) or getattr(member, "user_principal_name", None)


async def on_turn_error(context: TurnContext, error: Exception) -> None:
    """A fault inside a turn: log it with context, apologise once, never show a traceback."""
    activity = context.activity
    log.error(
        "turn failed: type=%s id=%s conversation=%s",
        activity.type,
        activity.id,
        getattr(activity.conversation, "id", None),
        exc_info=error,
    )
    try:
        if activity.type == ActivityTypes.invoke:
            await _invoke_response(context, HTTPStatus.OK, _message_body(APOLOGY))
        elif activity.type == ActivityTypes.message:
            await context.send_activity(Activity(type=ActivityTypes.message, text=APOLOGY))
    except Exception:
        log.exception("could not send the apology")
