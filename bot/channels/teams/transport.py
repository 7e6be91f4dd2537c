"""The Microsoft Teams transport: Bot Framework activities in, Adaptive Cards out.

`handle` is the edge, in this order: size, content type, JSON, the activity's fields, then
authentication (the chosen SDK's token validation, bot/channels/teams/auth.py; any token
problem is 401), then the tenant
(403), then the invoke name; only then does the turn run. Every answer is a deliberate status.
A turn becomes an `Inbound`, the `TurnRunner` does the work, and the replies are rendered:
a card the user acted on is updated in place, and an `adaptiveCard/action` invoke is
answered with the updated card. Replies go out through the process's `BotConnector` (one
HTTP pool, no thread per send); one Teams does not take goes through the outbox, and
replies still on their way at the deadline finish in the background, so Teams always has
its answer in time and an answer once committed is never reported lost.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from bot import identity
from bot.channels.base import DeliveryError
from bot.channels.teams.activities import (
    TeamsActivity,
    check_activity,
    invoke_body,
    message,
    message_body,
)
from bot.channels.teams.auth import Authenticator
from bot.channels.teams.connector import BotConnector
from bot.envelope import BadBody, parse_json
from bot.settings import Settings
from bot.turns import APOLOGY, Inbound, Outcome, TurnRunner, Where
from dialogs.core import Reply

log = logging.getLogger(__name__)

CHANNEL = "msteams"
EXECUTE = "adaptiveCard/action"
MESSAGE, INVOKE = "message", "invoke"
INSTALLATION_UPDATE, CONVERSATION_UPDATE = "installationUpdate", "conversationUpdate"
WELCOME = "Hello. I'm the PCSO daily-workflow bot. Type help to see what you can do."


@dataclass(frozen=True)
class Outgoing:
    """One message to send for a turn: a new one, or the card `update` in place."""

    reply: Reply
    update: str | None = None  # the id of the card the user acted on


class TeamsTransport:
    def __init__(
        self,
        *,
        runner: TurnRunner,
        authenticator: Authenticator,
        connector: BotConnector,
        settings: Settings,
    ) -> None:
        self._runner = runner
        self._authenticator = authenticator
        self._connector = connector
        self._max_body_bytes = settings.max_body_bytes
        self._allowed_tenants = settings.allowed_tenant_ids
        self._deadline = settings.reply_deadline_seconds
        self._lookup_timeout = settings.lookup_timeout_seconds
        self._sending: set[asyncio.Task[None]] = set()  # replies still on their way

    async def handle(self, request: web.Request) -> web.Response:
        """Bot Framework activities from Teams. Client faults get 4xx, never a 500."""
        answer_by = asyncio.get_running_loop().time() + self._deadline
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
        activity = TeamsActivity(body)
        if not await self._authenticated(activity, request.headers.get("Authorization")):
            return _problem(401, "unauthorized")
        if self._allowed_tenants and activity.tenant_id not in self._allowed_tenants:
            log.warning(
                "refused activity %s from tenant %s (not in PCSO_ALLOWED_TENANTS)",
                activity.id,
                activity.tenant_id,
            )
            return _problem(403, "tenant not allowed")
        if activity.type == INVOKE and activity.name != EXECUTE:
            return _problem(400, "unsupported invoke")
        return await self._turn(activity, answer_by)

    async def close(self) -> None:
        """At shutdown: let replies still on their way finish, within the deadline."""
        if not self._sending:
            return
        _, pending = await asyncio.wait(set(self._sending), timeout=self._deadline)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)

    async def _authenticated(self, activity: TeamsActivity, header: str | None) -> bool:
        """The SDK's verdict on the request's token; False for any failure at all (an SDK
        raises PermissionError, ValueError, jwt errors, IndexError for an unknown key id...)."""
        try:
            await self._authenticator.authenticate(activity, header)
        except Exception as error:  # noqa: BLE001 - every token problem is the client's: 401
            log.info("refused activity %s: %s: %s", activity.id, type(error).__name__, error)
            return False
        return True

    async def _turn(self, activity: TeamsActivity, answer_by: float) -> web.Response:
        """Run the turn, then answer: an invoke with its body, a message with 200 once its
        replies are sent (or, at `answer_by`, still being sent in the background)."""
        inbound = self._inbound(activity)
        if inbound is None:
            return web.Response(status=200)
        is_invoke = activity.type == INVOKE
        try:
            outcome = await self._runner.run(inbound, self._identity(activity))
        except Exception:
            # Nothing was committed: the runner hands back only after its commit.
            log.exception(
                "turn failed: type=%s id=%s conversation=%s",
                activity.type,
                activity.id,
                activity.conversation_id,
            )
            if is_invoke:
                return web.json_response(message_body(APOLOGY))
            if activity.type == MESSAGE:
                await self._within_deadline(activity, self._apologise(activity), answer_by)
            return web.Response(status=200)
        body, outgoing = _plan(activity, inbound, outcome)
        if outgoing:
            await self._within_deadline(
                activity, self._send(activity, outcome, outgoing), answer_by
            )
        if is_invoke:
            return web.json_response(body or message_body("Done."))
        return web.Response(status=200)

    def _identity(self, activity: TeamsActivity) -> identity.TeamsIdentity:
        async def email() -> str | None:
            try:
                return await self._connector.member_email(
                    activity.service_url, activity.conversation_id, activity.sender_id
                )
            except DeliveryError as error:
                log.warning("Teams member look-up failed: %s", error)
                return None

        return identity.TeamsIdentity(
            aad_object_id=activity.sender_aad_object_id,
            teams_user_id=activity.sender_id,
            lookup_email=email,
            timeout=self._lookup_timeout,
        )

    async def _within_deadline(
        self, activity: TeamsActivity, sending: Coroutine[Any, Any, None], answer_by: float
    ) -> None:
        """Teams redelivers what it has not seen answered within 15 s: at `answer_by` (the
        request's arrival plus the deadline) the request is answered and the sending goes
        on in the background."""
        task = asyncio.create_task(sending)
        self._sending.add(task)
        task.add_done_callback(self._sending.discard)
        left = max(0.0, answer_by - asyncio.get_running_loop().time())
        done, _ = await asyncio.wait({task}, timeout=left)
        if not done:
            log.warning(
                "replies to activity %s still on their way after %gs; answered meanwhile",
                activity.id,
                self._deadline,
            )

    async def _send(
        self, activity: TeamsActivity, outcome: Outcome, outgoing: list[Outgoing]
    ) -> None:
        """Send in order; what Teams does not take goes through the outbox, so an answer
        committed is never followed by silence or by "nothing was saved"."""
        for index, item in enumerate(outgoing):
            try:
                await self._deliver(activity, item)
            except DeliveryError as error:
                log.warning(
                    "reply to activity %s not delivered (%s); the outbox takes %d message(s)",
                    activity.id,
                    error,
                    len(outgoing) - index,
                )
                await self._defer(outcome, [o.reply for o in outgoing[index:]])
                return

    async def _deliver(self, activity: TeamsActivity, item: Outgoing) -> None:
        reference = activity.reference()
        if item.update is not None:
            try:
                await self._connector.update(
                    activity.service_url,
                    activity.conversation_id,
                    item.update,
                    message(item.reply, reference),
                )
                return
            except DeliveryError as error:  # e.g. too old to edit: a new message instead
                log.warning("could not update card %s in place: %s", item.update, error)
        await self._connector.send(
            activity.service_url,
            activity.conversation_id,
            message(item.reply, reference, reply_to=activity.id),
            reply_to=activity.id,
        )

    async def _defer(self, outcome: Outcome, replies: list[Reply]) -> None:
        try:
            await self._runner.defer(outcome, replies, channel=CHANNEL)
        except Exception:
            log.exception(
                "replies to activity %s are lost: the outbox refused them", outcome.activity_id
            )

    async def _apologise(self, activity: TeamsActivity) -> None:
        try:
            await self._connector.send(
                activity.service_url,
                activity.conversation_id,
                message(Reply(text=APOLOGY), activity.reference(), reply_to=activity.id),
                reply_to=activity.id,
            )
        except DeliveryError as error:
            log.warning("could not send the apology for activity %s: %s", activity.id, error)

    @staticmethod
    def _inbound(activity: TeamsActivity) -> Inbound | None:
        where = Where(
            channel=CHANNEL,
            conversation_id=activity.conversation_id,
            service_url=activity.service_url,
            tenant_id=activity.tenant_id,
            reference=activity.reference(),
        )
        common: dict[str, Any] = {"channel": CHANNEL, "activity_id": activity.id, "where": where}
        if activity.type == MESSAGE:
            data = activity.value if isinstance(activity.value, dict) else None
            return Inbound(text=activity.text, data=_clean(data), **common)
        if activity.type == INVOKE and activity.name == EXECUTE:
            return Inbound(data=_execute_data(activity.value), **common)
        if activity.type == INSTALLATION_UPDATE or (
            activity.type == CONVERSATION_UPDATE and activity.adds_the_bot()
        ):
            return Inbound(conversational=False, **common)
        return None


def _plan(
    activity: TeamsActivity, inbound: Inbound, outcome: Outcome
) -> tuple[dict[str, Any] | None, list[Outgoing]]:
    """The invoke's answer (None for a message) and the messages to send, in order."""
    is_invoke = activity.type == INVOKE
    if outcome.duplicate:
        return (message_body("Already recorded.") if is_invoke else None), []
    if not inbound.conversational:
        welcome = (
            outcome.officer_id is not None
            and activity.type == INSTALLATION_UPDATE
            and (activity.action or "add").startswith("add")
        )
        return None, [Outgoing(Reply(text=WELCOME))] if welcome else []
    body: dict[str, Any] | None = None
    outgoing: list[Outgoing] = []
    for reply in outcome.replies:
        if is_invoke and body is None:
            body = invoke_body(reply, activity.sender_id)
            if reply.card is None or reply.replace:
                continue
        in_place = reply.replace and reply.card and activity.reply_to_id and not is_invoke
        outgoing.append(Outgoing(reply, update=activity.reply_to_id if in_place else None))
    return body, outgoing


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


def _problem(status: int, detail: str) -> web.Response:
    return web.json_response({"error": detail}, status=status)
