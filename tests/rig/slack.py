"""Slack on loopback: a fake Web API that records what the bot calls, and a user who posts
signed Events API and interactivity requests to the bot exactly as Slack does.

The fake serves `/api/{method}` for chat.postMessage, chat.update, conversations.open and
users.info, checks the bot token, keeps every message as it now stands (so a button can be
pressed on an updated card) and can answer chosen calls 429 with `Retry-After`
(`throttle`) or `ok: false` with a Slack error (`fail`).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import time
import uuid
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import aiohttp
from aiohttp import web

TEAM = "T0FORCE"
BOT_USER = "U0BOT"
APP = "A0PCSO"
_stamps = itertools.count(1)


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    status: int
    answer: dict[str, Any]
    at: float  # time.monotonic() on arrival


@dataclass
class Message:
    channel: str
    ts: str
    text: str
    blocks: list[dict[str, Any]]

    def seen(self) -> str:
        """The message's text and everything its blocks show, for assertions."""
        return "\n".join([self.text, *block_texts(self.blocks)])


def block_texts(blocks: list[dict[str, Any]]) -> list[str]:
    texts: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") in ("plain_text", "mrkdwn") and isinstance(node.get("text"), str):
                texts.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(blocks)
    return texts


@dataclass
class FakeSlack:
    token: str = "xoxb-test"
    url: str = ""
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    messages: dict[str, Message] = field(default_factory=dict)  # by ts
    _throttled: dict[str, deque[str]] = field(default_factory=lambda: defaultdict(deque))
    _failures: dict[str, deque[str]] = field(default_factory=lambda: defaultdict(deque))
    _ts: Any = field(default_factory=lambda: itertools.count(1))
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)
    _runner: web.AppRunner | None = None

    def add_user(self, user_id: str, *, email: str, **fields: Any) -> None:
        """A workspace member users.info can describe."""
        self.users[user_id] = {
            "id": user_id,
            "team_id": TEAM,
            "profile": {"email": email},
            **fields,
        }

    def throttle(self, method: str, times: int = 1, retry_after: str = "1") -> None:
        """The next `times` calls of `method` answer 429 with `Retry-After`."""
        self._throttled[method].extend([retry_after] * times)

    def fail(self, method: str, error: str, times: int = 1) -> None:
        """The next `times` calls of `method` answer `ok: false` with `error`."""
        self._failures[method].extend([error] * times)

    def of(self, method: str, *, ok_only: bool = True) -> list[Call]:
        return [
            c
            for c in self.calls
            if c.method == method and (not ok_only or (c.status == 200 and c.answer.get("ok")))
        ]

    def posted(self, channel: str | None = None) -> list[Message]:
        """Messages the bot posted (as they now stand), oldest first."""
        found = [self.messages[c.answer["ts"]] for c in self.of("chat.postMessage")]
        return [m for m in found if channel is None or m.channel == channel]

    async def wait_for(self, method: str, count: int = 1, within: float = 10.0) -> list[Call]:
        """Wait until `method` has succeeded `count` times in all (at most `within` seconds)."""
        async with asyncio.timeout(within), self._changed:
            await self._changed.wait_for(lambda: len(self.of(method)) >= count)
        return self.of(method)

    async def start(self) -> None:
        self._runner = web.AppRunner(self.app())
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._call)
        return app

    async def _call(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await _arguments(request)
        status, answer, headers = self._answer(method, args, request.headers)
        self.calls.append(Call(method, args, status, answer, time.monotonic()))
        async with self._changed:
            self._changed.notify_all()
        return web.json_response(answer, status=status, headers=headers)

    def _answer(
        self, method: str, args: dict[str, Any], headers: Any
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        if headers.get("Authorization") != f"Bearer {self.token}":
            return 200, {"ok": False, "error": "invalid_auth"}, {}
        if self._throttled[method]:
            retry_after = self._throttled[method].popleft()
            return 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": retry_after}
        if self._failures[method]:
            return 200, {"ok": False, "error": self._failures[method].popleft()}, {}
        handler = {
            "chat.postMessage": self._post,
            "chat.update": self._update,
            "conversations.open": self._open,
            "users.info": self._user,
        }.get(method)
        if handler is None:
            return 200, {"ok": False, "error": "unknown_method"}, {}
        return 200, handler(args), {}

    def _post(self, args: dict[str, Any]) -> dict[str, Any]:
        n = next(self._ts)
        ts = f"{1764576000 + n}.{n:06d}"
        message = Message(args["channel"], ts, args.get("text") or "", args.get("blocks") or [])
        self.messages[ts] = message
        return {"ok": True, "channel": message.channel, "ts": ts}

    def _update(self, args: dict[str, Any]) -> dict[str, Any]:
        message = self.messages.get(args.get("ts", ""))
        if message is None or message.channel != args.get("channel"):
            return {"ok": False, "error": "message_not_found"}
        message.text = args.get("text") or ""
        message.blocks = args.get("blocks") or []
        return {"ok": True, "channel": message.channel, "ts": message.ts}

    def _open(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "channel": {"id": dm_channel(str(args.get("users", "")))}}

    def _user(self, args: dict[str, Any]) -> dict[str, Any]:
        user = self.users.get(str(args.get("user", "")))
        return {"ok": True, "user": user} if user else {"ok": False, "error": "user_not_found"}


async def _arguments(request: web.Request) -> dict[str, Any]:
    """Query, form or JSON arguments, as the Web API accepts them."""
    args: dict[str, Any] = dict(request.query)
    if request.content_type == "application/json":
        args.update(await request.json())
    elif request.can_read_body:
        args.update(await request.post())
    if isinstance(args.get("blocks"), str):
        args["blocks"] = json.loads(args["blocks"])
    return args


def dm_channel(user_id: str) -> str:
    return f"D{user_id[1:]}" if user_id else ""


@dataclass
class Response:
    status: int
    body: Any
    seconds: float


@dataclass
class SlackUser:
    """A Slack user in a DM with the bot; requests signed as Slack signs them."""

    http: aiohttp.ClientSession
    bot_url: str
    secret: str
    user_id: str
    clock: Callable[[], datetime]  # the service's clock: Slack's timestamps agree with it
    team_id: str = TEAM
    channel_id: str = ""

    def __post_init__(self) -> None:
        self.channel_id = self.channel_id or dm_channel(self.user_id)

    def stamp(self) -> str:
        """A Slack `ts`: the clock's second, made unique (as Slack's are) by a counter."""
        return f"{int(self.clock().timestamp())}.{next(_stamps):06d}"

    def signature(self, body: bytes, timestamp: int, secret: str | None = None) -> str:
        base = b"v0:" + str(timestamp).encode() + b":" + body
        key = (secret or self.secret).encode()
        return "v0=" + hmac.new(key, base, hashlib.sha256).hexdigest()

    async def post(
        self,
        body: bytes,
        content_type: str,
        *,
        timestamp: int | None = None,
        secret: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        """POST to /api/slack, signed with `secret` (default: the right one) at `timestamp`."""
        stamp = int(self.clock().timestamp()) if timestamp is None else timestamp
        sent = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": str(stamp),
            "X-Slack-Signature": self.signature(body, stamp, secret),
            **(headers or {}),
        }
        started = time.monotonic()
        async with self.http.post(f"{self.bot_url}/api/slack", data=body, headers=sent) as answer:
            raw = await answer.text()
            seconds = time.monotonic() - started
            try:
                parsed: Any = json.loads(raw) if raw else None
            except ValueError:
                parsed = raw
            return Response(answer.status, parsed, seconds)

    async def post_json(self, payload: dict[str, Any], **options: Any) -> Response:
        return await self.post(json.dumps(payload).encode(), "application/json", **options)

    def event(self, text: str, *, event_id: str | None = None, **fields: Any) -> dict[str, Any]:
        """An Events API `message.im` callback for a message this user typed."""
        now = self.stamp()
        event = {
            "type": "message",
            "channel": self.channel_id,
            "channel_type": "im",
            "user": self.user_id,
            "text": text,
            "ts": now,
            "event_ts": now,
            "team": self.team_id,
            **fields,
        }
        return {
            "token": "deprecated-verification-token",
            "team_id": self.team_id,
            "api_app_id": APP,
            "event": event,
            "type": "event_callback",
            "event_id": event_id or f"Ev{uuid.uuid4().hex[:10].upper()}",
            "event_time": int(float(now)),
            "authorizations": [{"team_id": self.team_id, "user_id": BOT_USER, "is_bot": True}],
        }

    async def say(self, text: str, *, retry: int | None = None, **options: Any) -> Response:
        return await self.deliver(self.event(text), retry=retry, **options)

    async def deliver(
        self, callback: dict[str, Any], *, retry: int | None = None, **options: Any
    ) -> Response:
        """Deliver an event callback; `retry` sends it as Slack's retry number `retry`."""
        headers = (
            {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
            if retry
            else {}
        )
        return await self.post_json(callback, headers=headers, **options)

    async def press(self, message: Message, title: str, **inputs: str) -> Response:
        """Press the button `title` on `message`, with `inputs` typed or chosen first."""
        payload = self.block_actions(message, title, inputs)
        body = urlencode({"payload": json.dumps(payload)}).encode()
        return await self.post(body, "application/x-www-form-urlencoded")

    def block_actions(self, message: Message, title: str, inputs: dict[str, str]) -> dict[str, Any]:
        block_id, button = _button(message.blocks, title)
        return {
            "type": "block_actions",
            "user": {"id": self.user_id, "team_id": self.team_id},
            "api_app_id": APP,
            "team": {"id": self.team_id},
            "container": {
                "type": "message",
                "message_ts": message.ts,
                "channel_id": message.channel,
                "is_ephemeral": False,
            },
            "trigger_id": f"trigger-{uuid.uuid4().hex[:8]}",
            "channel": {"id": message.channel, "name": "directmessage"},
            "message": {"type": "message", "ts": message.ts, "text": message.text},
            "state": {"values": state_values(message.blocks, inputs)},
            "actions": [
                {
                    "type": "button",
                    "action_id": button["action_id"],
                    "block_id": block_id,
                    "text": button["text"],
                    "value": button.get("value"),
                    "action_ts": self.stamp(),
                }
            ],
        }


def _button(blocks: list[dict[str, Any]], title: str) -> tuple[str, dict[str, Any]]:
    for block in blocks:
        for element in block.get("elements", []) if block.get("type") == "actions" else []:
            if element.get("type") == "button" and element["text"]["text"] == title:
                return block["block_id"], element
    raise AssertionError(f"no button {title!r} on the message")


def state_values(blocks: list[dict[str, Any]], inputs: dict[str, str]) -> dict[str, Any]:
    """What Slack sends as `state.values`: every input's current value, typed or initial."""
    values: dict[str, Any] = {}
    for block in blocks:
        if block.get("type") != "input":
            continue
        element = block["element"]
        typed = inputs.get(element["action_id"])
        values[block["block_id"]] = {element["action_id"]: _element_state(element, typed)}
    return values


def _element_state(element: dict[str, Any], typed: str | None) -> dict[str, Any]:
    kind = element["type"]
    if kind == "static_select":
        chosen = [o for o in element["options"] if o["value"] == typed]
        option = chosen[0] if chosen else element.get("initial_option")
        return {"type": kind, "selected_option": option}
    if kind == "checkboxes":
        if typed is None:
            return {"type": kind, "selected_options": element.get("initial_options", [])}
        on = [o for o in element["options"] if typed == "true"]
        return {"type": kind, "selected_options": on}
    if kind == "datepicker":
        return {"type": kind, "selected_date": typed or element.get("initial_date")}
    if kind == "multi_static_select":
        if typed is None:
            return {"type": kind, "selected_options": element.get("initial_options", [])}
        wanted = {value.strip() for value in typed.split(",")}
        return {
            "type": kind,
            "selected_options": [o for o in element["options"] if o["value"] in wanted],
        }
    return {"type": kind, "value": typed if typed is not None else element.get("initial_value")}
