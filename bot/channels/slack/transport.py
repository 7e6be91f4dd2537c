"""The Slack transport: Events API and interactivity at `POST /api/slack`, Block Kit out.

A request passes the chain (`bot.channels.slack.chain`); what is left becomes an `Inbound`
for the `TurnRunner`. Slack wants an answer within 3 seconds, so the request is acknowledged
at once and the turn runs in a background task that the transport keeps and awaits on
shutdown. A redelivered event (`X-Slack-Retry-Num`) carries the same `event_id`, which the
runner claims once. Replies go out through the Web API: chat.postMessage into the DM, and
chat.update for the card whose button was pressed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import aiohttp
from aiohttp import web
from slack_sdk.errors import SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot import identity
from bot.channels.base import DeliveryError
from bot.channels.slack.chain import Middleware, SlackRequest, chain
from bot.channels.slack.payloads import CHANNEL, Incoming, incoming, text_at
from bot.channels.slack.sender import SlackSender
from bot.clock import Clock
from bot.settings import Settings
from bot.turns import APOLOGY, Outcome, TurnRunner
from dialogs.core import Reply

log = logging.getLogger(__name__)

# Slack retries an event it has not seen acknowledged within 3 s; a turn normally commits in
# milliseconds, so the ack waits for the commit (nothing acknowledged is lost) but never long.
ACK_BUDGET_SECONDS = 2.0
SHUTDOWN_GRACE_SECONDS = 10.0


class SlackTransport:
    def __init__(
        self, *, runner: TurnRunner, client: AsyncWebClient, settings: Settings, clock: Clock
    ) -> None:
        self._runner = runner
        self._client = client
        self._sender = SlackSender(client=client)
        self._max_body_bytes = settings.max_body_bytes
        self._chain: tuple[Middleware, ...] = chain(settings.slack_signing_secret, clock)
        self._tasks: set[asyncio.Task[None]] = set()
        self._lookup_timeout = settings.lookup_timeout_seconds

    async def handle(self, request: web.Request) -> web.Response:
        """Acknowledge once the turn has committed (or ACK_BUDGET_SECONDS have passed, to stay
        inside Slack's 3 s); replies are posted in the background after that."""
        if request.content_length is not None and request.content_length > self._max_body_bytes:
            raise web.HTTPRequestEntityTooLarge(
                max_size=self._max_body_bytes, actual_size=request.content_length
            )
        slack = SlackRequest(await request.read(), request.headers, request.content_type)
        for middleware in self._chain:
            response = await middleware.process(slack)
            if response is not None:
                return response
        turn = incoming(slack.payload or {}, self._client.base_url)
        retry = request.headers.get("X-Slack-Retry-Num")
        if retry:
            log.info("Slack retry %s of %s", retry, turn.inbound.activity_id)
        committed = self._start(turn)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(committed.wait(), ACK_BUDGET_SECONDS)
        return web.Response(status=200)

    async def settle(self, within: float | None = None) -> bool:
        """Wait for the turns in flight; False if some still run after `within` seconds."""
        if not self._tasks:
            return True
        _, pending = await asyncio.wait(set(self._tasks), timeout=within)
        return not pending

    async def close(self) -> None:
        """Let turns in flight finish (within a bound), so a shutdown loses no message."""
        if await self.settle(SHUTDOWN_GRACE_SECONDS):
            return
        pending = set(self._tasks)
        log.warning("%d Slack turn(s) cancelled at shutdown", len(pending))
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)

    def _start(self, turn: Incoming) -> asyncio.Event:
        """Start the turn; the event is set once it has committed (or failed)."""
        committed = asyncio.Event()
        task = asyncio.create_task(self._turn(turn, committed))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return committed

    async def _turn(self, turn: Incoming, committed: asyncio.Event) -> None:
        """Run the turn, then reply. A fault is logged with context and apologised for once."""
        try:
            outcome = await self._runner.run(turn.inbound, self._identity(turn.user_id))
        except Exception:
            committed.set()
            log.exception(
                "Slack turn failed: kind=%s id=%s user=%s channel=%s",
                turn.kind,
                turn.inbound.activity_id,
                turn.user_id,
                turn.channel_id,
            )
            await self._apologise(turn)
            return
        committed.set()
        await self._answer(turn, outcome)

    async def _answer(self, turn: Incoming, outcome: Outcome) -> None:
        """Send in order; what Slack does not take goes through the outbox, so an answer
        committed is never followed by silence."""
        for index, reply in enumerate(outcome.replies):
            if reply.replace and reply.card and await self._replaced(turn, reply):
                continue
            try:
                await self._sender.post(turn.channel_id, reply)
            except DeliveryError as error:
                left = outcome.replies[index:]
                log.warning(
                    "Slack reply to %s not delivered (%s); the outbox takes %d message(s)",
                    turn.inbound.activity_id,
                    error,
                    len(left),
                )
                try:
                    await self._runner.defer(outcome, left, channel=CHANNEL)
                except Exception:
                    log.exception("Slack replies to %s are lost", turn.inbound.activity_id)
                return

    async def _replaced(self, turn: Incoming, reply: Reply) -> bool:
        """Update the pressed message; False if there is none or Slack refuses."""
        if turn.message_ts is None:
            return False
        try:
            await self._sender.update(turn.channel_id, turn.message_ts, reply)
        except DeliveryError as error:
            log.warning("could not update Slack message %s: %s", turn.message_ts, error)
            return False
        return True

    async def _apologise(self, turn: Incoming) -> None:
        try:
            await self._sender.post(turn.channel_id, Reply(text=APOLOGY))
        except DeliveryError:
            log.exception("could not send the apology to Slack channel %s", turn.channel_id)

    def _identity(self, user_id: str) -> identity.SlackIdentity:
        return identity.SlackIdentity(
            slack_user_id=user_id,
            lookup_email=lambda: self._email_of(user_id),
            timeout=self._lookup_timeout,
        )

    async def _email_of(self, user_id: str) -> str | None:
        """The email on the user's Slack profile (users:read.email); None for bots."""
        try:
            response = await self._client.users_info(user=user_id)
        except (SlackClientError, aiohttp.ClientError, TimeoutError) as error:
            log.warning("Slack users.info for %s failed: %s", user_id, error)
            return None
        user = response.get("user")
        if not isinstance(user, dict) or user.get("deleted") or user.get("is_bot"):
            return None
        return text_at(user, "profile", "email")
