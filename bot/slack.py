"""The Slack transport: Events API and interactivity at `POST /api/slack`, Block Kit out.

A request passes one visible chain, as in bolt-python: signature check, parsing, URL
verification, then the event filter (direct messages from people and presses of our
buttons; no bots, no edits). What is left becomes an `Inbound` for the `TurnRunner`.
Slack wants an answer within 3 seconds, so the request is acknowledged at once and the turn
runs in a background task that the transport keeps and awaits on shutdown. A redelivered
event (`X-Slack-Retry-Num`) carries the same `event_id`, which the runner claims once.
Replies go out through the Web API: chat.postMessage into the DM, and chat.update for the
card whose button was pressed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import parse_qs

import aiohttp
from aiohttp import web
from slack_sdk import signature
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.ext.asyncio import AsyncSession

from bot import identity
from bot.clock import Clock
from bot.limits import parse_retry_after
from bot.sender import DeliveryError, Opened
from bot.settings import Settings
from bot.teams import APOLOGY
from bot.turns import Inbound, Outcome, Resolver, TurnRunner, Where
from dialogs.blocks import button_data, input_values, message, unescape
from dialogs.core import Reply
from storage.models import Officer

log = logging.getLogger(__name__)

CHANNEL = "slack"
MAX_AGE_SECONDS = 5 * 60
RATE_LIMIT_RETRIES = 2
# Slack retries an event it has not seen acknowledged within 3 s; a turn normally commits in
# milliseconds, so the ack waits for the commit (nothing acknowledged is lost) but never long.
ACK_BUDGET_SECONDS = 2.0
SHUTDOWN_GRACE_SECONDS = 10.0
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"

SLACK_NOT_CONFIGURED = "Slack is not configured: set SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN"
SLACK_OFF = "Slack is off: SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN are not both set"
UNSIGNED = "unsigned request"
STALE = "request timestamp is more than 5 minutes from now"
BAD_SIGNATURE = "bad signature"

# Slack answers most failures with HTTP 200 and `ok: false`; the outbox acts on a status.
GONE_ERRORS = frozenset(
    {
        "channel_not_found",
        "is_archived",
        "user_not_found",
        "user_disabled",
        "cannot_dm_bot",
        "messages_tab_disabled",
    }
)
AUTH_ERRORS = frozenset(
    {"not_authed", "invalid_auth", "token_revoked", "token_expired", "account_inactive"}
)
PASSING_ERRORS = frozenset(
    {"internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)


def configured(settings: Settings) -> bool:
    return bool(settings.slack_signing_secret and settings.slack_bot_token)


@contextlib.asynccontextmanager
async def web_client(settings: Settings) -> AsyncIterator[AsyncWebClient]:
    """The Web API client on one HTTP session: 429s wait for `Retry-After` and are retried."""
    timeout = aiohttp.ClientTimeout(total=settings.delivery_timeout_seconds)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        yield standalone_client(settings, session=session)


def standalone_client(
    settings: Settings, *, session: aiohttp.ClientSession | None = None
) -> AsyncWebClient:
    """A Web API client; with no session it opens one per call (for one-off CLI runs)."""
    return AsyncWebClient(
        token=settings.slack_bot_token,
        base_url=settings.slack_api_url,
        session=session,
        timeout=int(settings.delivery_timeout_seconds),
        retry_handlers=[
            AsyncConnectionErrorRetryHandler(),
            AsyncRateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES),
        ],
    )


# --- the request chain -------------------------------------------------------------------


@dataclass
class SlackRequest:
    body: bytes
    headers: Mapping[str, str]
    content_type: str
    payload: dict[str, Any] | None = None


class Middleware(Protocol):
    async def process(self, request: SlackRequest) -> web.Response | None:
        """None passes the request on; a response ends the chain."""
        ...


class _SlackClock(signature.Clock):
    """slack_sdk's verifier reads the time through this: the service's clock, in seconds."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock

    def now(self) -> float:
        return self._clock().timestamp()


class RequestVerification:
    """Slack signs `v0:{timestamp}:{body}` with HMAC-SHA256 and the app's signing secret;
    a timestamp more than five minutes from the service's clock is refused (replays)."""

    def __init__(self, signing_secret: str, clock: Clock) -> None:
        self._clock = clock
        self._verifier = SignatureVerifier(signing_secret, clock=_SlackClock(clock))

    async def process(self, request: SlackRequest) -> web.Response | None:
        timestamp = request.headers.get("X-Slack-Request-Timestamp", "")
        signature = request.headers.get("X-Slack-Signature", "")
        if not timestamp.isdigit() or not signature:
            return _refused(UNSIGNED)
        if abs(self._clock().timestamp() - int(timestamp)) > MAX_AGE_SECONDS:
            return _refused(STALE)
        if not self._verifier.is_valid(request.body, timestamp, signature):
            return _refused(BAD_SIGNATURE)
        return None


class PayloadParsing:
    """The Events API posts JSON; interactivity posts a form whose `payload` is JSON."""

    async def process(self, request: SlackRequest) -> web.Response | None:
        try:
            request.payload = _payload(request.body, request.content_type)
        except ValueError as error:
            log.warning("malformed Slack request: %s", error)
            return _problem(400, str(error))
        return None


class UrlVerification:
    """Slack checks the request URL once, when it is set, with a challenge to echo."""

    async def process(self, request: SlackRequest) -> web.Response | None:
        payload = request.payload or {}
        if payload.get("type") != "url_verification":
            return None
        return web.json_response({"challenge": payload["challenge"]})


class EventFilter:
    """Only direct messages from people and presses of our buttons go on to a turn."""

    async def process(self, request: SlackRequest) -> web.Response | None:
        payload = request.payload or {}
        kind = payload.get("type")
        if kind == "event_callback" and _is_person_dm(payload):
            return None
        if kind == "block_actions" and _is_our_button(payload):
            return None
        log.debug("Slack %s ignored", kind)
        return web.Response(status=200)


# --- the transport -----------------------------------------------------------------------


@dataclass(frozen=True)
class Incoming:
    """One DM or button press: who sent it, where, and the message a pressed button is in."""

    inbound: Inbound
    kind: str
    user_id: str
    channel_id: str
    message_ts: str | None = None


class SlackTransport:
    def __init__(
        self, *, runner: TurnRunner, client: AsyncWebClient, settings: Settings, clock: Clock
    ) -> None:
        self._runner = runner
        self._client = client
        self._sender = SlackSender(client=client)
        self._max_body_bytes = settings.max_body_bytes
        self._chain: tuple[Middleware, ...] = (
            RequestVerification(settings.slack_signing_secret, clock),
            PayloadParsing(),
            UrlVerification(),
            EventFilter(),
        )
        self._tasks: set[asyncio.Task[None]] = set()

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
        incoming = self._incoming(slack.payload or {})
        retry = request.headers.get("X-Slack-Retry-Num")
        if retry:
            log.info("Slack retry %s of %s", retry, incoming.inbound.activity_id)
        committed = self._start(incoming)
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

    def _incoming(self, payload: dict[str, Any]) -> Incoming:
        if payload["type"] == "block_actions":
            return _pressed(payload, self._client.base_url)
        return _direct_message(payload, self._client.base_url)

    def _start(self, incoming: Incoming) -> asyncio.Event:
        """Start the turn; the event is set once it has committed (or failed)."""
        committed = asyncio.Event()
        task = asyncio.create_task(self._turn(incoming, committed))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return committed

    async def _turn(self, incoming: Incoming, committed: asyncio.Event) -> None:
        """Run the turn, then reply. A fault is logged with context and apologised for once."""
        try:
            outcome = await self._runner.run(incoming.inbound, self._resolver(incoming.user_id))
        except Exception:
            committed.set()
            log.exception(
                "Slack turn failed: kind=%s id=%s user=%s channel=%s",
                incoming.kind,
                incoming.inbound.activity_id,
                incoming.user_id,
                incoming.channel_id,
            )
            await self._apologise(incoming)
            return
        committed.set()
        try:
            await self._answer(incoming, outcome)
        except DeliveryError as error:
            log.error(
                "Slack reply not sent: id=%s channel=%s: %s",
                incoming.inbound.activity_id,
                incoming.channel_id,
                error,
            )

    async def _answer(self, incoming: Incoming, outcome: Outcome) -> None:
        for reply in outcome.replies:
            if reply.replace and reply.card and await self._replaced(incoming, reply):
                continue
            await self._sender.post(incoming.channel_id, reply)

    async def _replaced(self, incoming: Incoming, reply: Reply) -> bool:
        """Update the pressed message; False if there is none or Slack refuses."""
        if incoming.message_ts is None:
            return False
        try:
            await self._sender.update(incoming.channel_id, incoming.message_ts, reply)
        except DeliveryError as error:
            log.warning("could not update Slack message %s: %s", incoming.message_ts, error)
            return False
        return True

    async def _apologise(self, incoming: Incoming) -> None:
        try:
            await self._sender.post(incoming.channel_id, Reply(text=APOLOGY))
        except DeliveryError:
            log.exception("could not send the apology to Slack channel %s", incoming.channel_id)

    def _resolver(self, user_id: str) -> Resolver:
        async def resolve(session: AsyncSession) -> Officer | None:
            return await identity.slack_officer(
                session, slack_user_id=user_id, lookup_email=lambda: self._email_of(user_id)
            )

        return resolve

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
        return _text_at(user, "profile", "email")


# --- the sender --------------------------------------------------------------------------


class SlackSender:
    """Sends into Slack DMs with the Web API, for the outbox and for replies to turns.

    The client's `AsyncRateLimitErrorRetryHandler` waits out a 429's `Retry-After` and
    tries again; what still fails becomes a `DeliveryError` whose status the outbox acts on.
    """

    def __init__(self, *, client: AsyncWebClient) -> None:
        self._client = client

    async def send(self, reference: dict[str, Any], reply: Reply) -> str:
        """Send into the stored DM (opened first if only the user is known); the message ts."""
        channel = _text_at(reference, "channel")
        if channel is None:
            channel = await self.open_dm(_text_at(reference, "user") or "")
        return await self.post(channel, reply)

    async def open_conversation(
        self, reference: dict[str, Any], *, user_id: str, tenant_id: str | None, reply: Reply
    ) -> Opened:
        """The DM is gone: open it again and send there."""
        channel = await self.open_dm(user_id)
        ts = await self.post(channel, reply)
        return Opened(ts, channel, {**reference, "channel": channel, "user": user_id})

    async def open_dm(self, user_id: str) -> str:
        if not user_id:
            raise DeliveryError("no Slack channel or user to send to", status=400)
        with _delivery_errors("conversations.open"):
            response = await self._client.conversations_open(users=user_id)
        channel = _text_at(response.data, "channel", "id")
        if channel is None:
            raise DeliveryError("Slack conversations.open returned no channel")
        return channel

    async def post(self, channel: str, reply: Reply) -> str:
        with _delivery_errors("chat.postMessage"):
            response = await self._client.chat_postMessage(
                channel=channel, unfurl_links=False, unfurl_media=False, **message(reply)
            )
        return _text_at(response.data, "ts") or ""

    async def update(self, channel: str, ts: str, reply: Reply) -> None:
        with _delivery_errors("chat.update"):
            await self._client.chat_update(channel=channel, ts=ts, **message(reply))


@contextlib.contextmanager
def _delivery_errors(method: str) -> Iterator[None]:
    try:
        yield
    except SlackApiError as error:
        response = error.response
        code = _text_at(response.data, "error") or ""
        status = response.status_code if response.status_code != 200 else _status_of(code)
        raise DeliveryError(
            f"Slack {method} answered {response.status_code} {code}".strip(),
            status=status,
            retry_after=parse_retry_after(_header(response.headers, "Retry-After")),
        ) from error
    except (SlackClientError, aiohttp.ClientError, TimeoutError) as error:
        raise DeliveryError(
            f"Slack {method} failed: {type(error).__name__} {error}"[:300]
        ) from error


def _status_of(code: str) -> int:
    """An HTTP-like status for an `ok: false` answer: gone, unauthorised, passing or final."""
    if code in GONE_ERRORS:
        return 404
    if code in AUTH_ERRORS:
        return 401
    if code == "ratelimited":
        return 429
    if code in PASSING_ERRORS:
        return 503
    return 400


def _header(headers: Any, name: str) -> str | None:
    if not isinstance(headers, Mapping):
        return None
    for key, value in headers.items():
        if str(key).lower() == name.lower():
            return str(value[0] if isinstance(value, list) and value else value)
    return None


# --- payloads ----------------------------------------------------------------------------


def _payload(body: bytes, content_type: str) -> dict[str, Any]:
    """The request's JSON payload, checked for the fields the chain relies on."""
    if content_type == FORM:
        form = parse_qs(body.decode("utf-8"))
        if "payload" not in form:
            raise ValueError("form has no payload")
        raw = form["payload"][0]
    elif content_type == JSON:
        raw = body.decode("utf-8")
    else:
        raise ValueError(f"unexpected content type {content_type[:60]!r}")
    try:
        payload = json.loads(raw)
    except ValueError as error:
        raise ValueError("payload is not JSON") from error
    problem = _shape_problem(payload)
    if problem:
        raise ValueError(problem)
    return payload  # type: ignore[no-any-return]


def _shape_problem(payload: Any) -> str | None:
    if not isinstance(payload, dict) or _text_at(payload, "type") is None:
        return "payload has no type"
    kind = payload["type"]
    if kind == "url_verification" and _text_at(payload, "challenge") is None:
        return "url_verification has no challenge"
    if kind == "event_callback" and (
        not isinstance(payload.get("event"), dict) or _text_at(payload, "event_id") is None
    ):
        return "event_callback has no event or event_id"
    if kind == "block_actions" and (
        not isinstance(payload.get("actions"), list) or _text_at(payload, "user", "id") is None
    ):
        return "block_actions has no actions or user"
    return None


def _is_person_dm(payload: dict[str, Any]) -> bool:
    """A new message typed by a person in a DM with the bot: not a bot's, not an edit."""
    event = payload["event"]
    bots = {
        a.get("user_id")
        for a in payload.get("authorizations") or []
        if isinstance(a, dict) and a.get("is_bot")
    }
    user = _text_at(event, "user")
    return (
        event.get("type") == "message"
        and event.get("channel_type") == "im"
        and not event.get("subtype")
        and not event.get("bot_id")
        and user is not None
        and user not in bots
        and _text_at(event, "channel") is not None
    )


def _is_our_button(payload: dict[str, Any]) -> bool:
    """A press of one of our buttons on a message (link buttons carry no value)."""
    actions = payload["actions"]
    action = actions[0] if actions and isinstance(actions[0], dict) else {}
    value = _text_at(action, "value")
    return (
        action.get("type") == "button"
        and value is not None
        and button_data(value) is not None
        and _channel_of(payload) is not None
    )


def _direct_message(payload: dict[str, Any], api_url: str) -> Incoming:
    event = payload["event"]
    user, channel = str(event["user"]), str(event["channel"])
    team = _text_at(payload, "team_id") or _text_at(event, "team")
    inbound = Inbound(
        channel=CHANNEL,
        activity_id=payload["event_id"],
        where=_where(api_url, channel, user, team),
        text=unescape(_text_at(event, "text") or ""),
    )
    return Incoming(inbound, "message", user, channel)


def _pressed(payload: dict[str, Any], api_url: str) -> Incoming:
    """A button's data with the message's inputs merged in (the button's own keys win)."""
    action = payload["actions"][0]
    user = str(_text_at(payload, "user", "id"))
    channel = str(_channel_of(payload))
    team = _text_at(payload, "team", "id") or _text_at(payload, "user", "team_id")
    state = payload.get("state") if isinstance(payload.get("state"), dict) else {}
    values = (state or {}).get("values")
    inputs = input_values(values) if isinstance(values, dict) else {}
    pressed_at = _text_at(action, "action_ts") or _text_at(payload, "trigger_id")
    inbound = Inbound(
        channel=CHANNEL,
        activity_id=f"action:{user}:{pressed_at}" if pressed_at else None,
        where=_where(api_url, channel, user, team),
        data={**inputs, **(button_data(action["value"]) or {})},
    )
    ts = _text_at(payload, "container", "message_ts") or _text_at(payload, "message", "ts")
    return Incoming(inbound, "block_actions", user, channel, ts)


def _channel_of(payload: dict[str, Any]) -> str | None:
    return _text_at(payload, "container", "channel_id") or _text_at(payload, "channel", "id")


def _where(api_url: str, channel: str, user: str, team: str | None) -> Where:
    return Where(
        channel=CHANNEL,
        conversation_id=channel,
        service_url=api_url,
        tenant_id=team,
        reference={"channel": channel, "user": user, "team": team},
    )


def _text_at(node: Any, *path: str) -> str | None:
    """The non-empty string at `path` in nested mappings, else None."""
    for key in path:
        node = node.get(key) if isinstance(node, Mapping) else None
    return node if isinstance(node, str) and node else None


def _refused(reason: str) -> web.Response:
    log.warning("Slack request refused: %s", reason)
    return _problem(401, reason)


def _problem(status: int, detail: str) -> web.Response:
    return web.json_response({"error": detail}, status=status)
