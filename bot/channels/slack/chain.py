"""The request chain every `POST /api/slack` passes, as in bolt-python: signature check,
parsing, URL verification, then the event filter (direct messages from people and presses
of our buttons; no bots, no edits). A middleware either passes the request on or answers it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from aiohttp import web
from slack_sdk import signature
from slack_sdk.signature import SignatureVerifier

from bot.channels.slack.payloads import is_our_button, is_person_dm, parse
from bot.clock import Clock

log = logging.getLogger(__name__)

MAX_AGE_SECONDS = 5 * 60
TIMESTAMP_DIGITS = 12  # seconds since 1970 until the year 33658
UNSIGNED = "unsigned request"
STALE = "request timestamp is more than 5 minutes from now"
BAD_SIGNATURE = "bad signature"


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


def chain(signing_secret: str, clock: Clock) -> tuple[Middleware, ...]:
    """The middlewares in the order a request passes them."""
    return (
        RequestVerification(signing_secret, clock),
        PayloadParsing(),
        UrlVerification(),
        EventFilter(),
    )


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
        if not timestamp.isdigit() or len(timestamp) > TIMESTAMP_DIGITS or not signature:
            return _refused(UNSIGNED)
        if abs(self._clock().timestamp() - int(timestamp)) > MAX_AGE_SECONDS:
            return _refused(STALE)
        if not signature.isascii() or not _is_utf8(request.body):
            return _refused(BAD_SIGNATURE)  # neither can come from Slack's signing
        if not self._verifier.is_valid(request.body, timestamp, signature):
            return _refused(BAD_SIGNATURE)
        return None


def _is_utf8(body: bytes) -> bool:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


class PayloadParsing:
    """The Events API posts JSON; interactivity posts a form whose `payload` is JSON."""

    async def process(self, request: SlackRequest) -> web.Response | None:
        try:
            request.payload = parse(request.body, request.content_type)
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
        if kind == "event_callback" and is_person_dm(payload):
            return None
        if kind == "block_actions" and is_our_button(payload):
            return None
        log.debug("Slack %s ignored", kind)
        return web.Response(status=200)


def _refused(reason: str) -> web.Response:
    log.warning("Slack request refused: %s", reason)
    return _problem(401, reason)


def _problem(status: int, detail: str) -> web.Response:
    return web.json_response({"error": detail}, status=status)
