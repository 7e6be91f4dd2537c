"""The Microsoft Teams transport: Bot Framework activities in, Adaptive Cards out.

`handle` is the edge, in this order: size, content type, JSON, the activity's fields, then
authentication (any token problem is 401), then the tenant (403), then the invoke name;
only then does the adapter run the turn. Every answer is a deliberate status.
A turn becomes an `Inbound`, the `TurnRunner` does the work, and the replies are rendered:
a card the user acted on is updated in place, and an `adaptiveCard/action` invoke is
answered with the updated card.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from aiohttp import web
from botbuilder.core import TurnContext
from botbuilder.core.teams import TeamsInfo
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import Activity, ActivityTypes
from botbuilder.schema.teams import TeamsChannelAccount
from botframework.connector.auth import AuthenticateRequestResult
from sqlalchemy.ext.asyncio import AsyncSession

from bot import identity
from bot.channels.teams.activities import (
    card_activity,
    check_activity,
    invoke_body,
    invoke_response,
    message_body,
    tenant_of,
)
from bot.envelope import BadBody, parse_json
from bot.settings import Settings
from bot.turns import Inbound, Outcome, TurnRunner, Where
from dialogs.core import Reply
from storage.models import Officer

log = logging.getLogger(__name__)

CHANNEL = "msteams"
EXECUTE = "adaptiveCard/action"
WELCOME = "Hello. I'm the PCSO daily-workflow bot. Type help to see what you can do."


class TeamsTransport:
    def __init__(self, *, runner: TurnRunner, adapter: CloudAdapter, settings: Settings) -> None:
        self._runner = runner
        self._adapter = adapter
        self._max_body_bytes = settings.max_body_bytes
        self._allowed_tenants = settings.allowed_tenant_ids

    async def handle(self, request: web.Request) -> web.Response:
        """Bot Framework activities from Teams. Client faults get 4xx, never a 500."""
        if request.content_length is not None and request.content_length > self._max_body_bytes:
            raise web.HTTPRequestEntityTooLarge(
                max_size=self._max_body_bytes, actual_size=request.content_length
            )
        if request.content_type != "application/json":
            return _problem(415, "activities are application/json")
        try:
            body = parse_json(await request.read())
        except BadBody as error:
            return _problem(400, str(error))
        problem = check_activity(body)
        if problem:
            return _problem(400, problem)
        try:
            activity = Activity().deserialize(body)
        except Exception:  # noqa: BLE001 - msrest raises several types for malformed input
            return _problem(400, "not a Bot Framework activity")
        authenticated = await self._authenticate(activity, request.headers.get("Authorization"))
        if authenticated is None:
            return _problem(401, "unauthorized")
        if self._allowed_tenants and tenant_of(activity) not in self._allowed_tenants:
            log.warning(
                "refused activity %s from tenant %s (not in PCSO_ALLOWED_TENANTS)",
                activity.id,
                tenant_of(activity),
            )
            return _problem(403, "tenant not allowed")
        if activity.type == ActivityTypes.invoke and activity.name != EXECUTE:
            return _problem(400, "unsupported invoke")
        try:
            response = await self._adapter.process_activity(authenticated, activity, self.on_turn)
        except PermissionError:
            return _problem(401, "unauthorized")
        if response is not None:
            return web.json_response(response.body, status=response.status)
        return web.Response(status=200)

    async def _authenticate(
        self, activity: Activity, header: str | None
    ) -> AuthenticateRequestResult | None:
        """The SDK's verdict on the request's token; None for any failure at all (the SDK
        raises PermissionError, but also jwt errors, IndexError for an unknown key id...)."""
        try:
            return await self._adapter.bot_framework_authentication.authenticate_request(
                activity, header or ""
            )
        except Exception as error:  # noqa: BLE001 - every token problem is the client's: 401
            log.info("refused activity %s: %s: %s", activity.id, type(error).__name__, error)
            return None

    async def on_turn(self, context: TurnContext) -> None:
        activity = context.activity
        inbound = self._inbound(activity)
        if inbound is None:
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
        if activity.type == ActivityTypes.invoke and activity.name == EXECUTE:
            return Inbound(data=_execute_data(activity.value), **common)
        if activity.type == ActivityTypes.installation_update or (
            activity.type == ActivityTypes.conversation_update
            and any(
                m is not None and m.id == activity.recipient.id
                for m in activity.members_added or []
            )
        ):
            return Inbound(conversational=False, **common)
        return None

    async def _answer(self, context: TurnContext, inbound: Inbound, outcome: Outcome) -> None:
        activity = context.activity
        is_invoke = activity.type == ActivityTypes.invoke
        if outcome.duplicate:
            if is_invoke:
                await invoke_response(context, HTTPStatus.OK, message_body("Already recorded."))
            return
        if not inbound.conversational:
            if (
                outcome.officer_id is not None
                and activity.type == ActivityTypes.installation_update
            ) and (activity.action or "add").startswith("add"):
                await context.send_activity(Activity(type=ActivityTypes.message, text=WELCOME))
            return
        body: dict[str, Any] | None = None
        for reply in outcome.replies:
            if is_invoke and body is None:
                body = invoke_body(reply)
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
            await invoke_response(context, HTTPStatus.OK, body or message_body("Done."))


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


def _problem(status: int, detail: str) -> web.Response:
    return web.json_response({"error": detail}, status=status)
