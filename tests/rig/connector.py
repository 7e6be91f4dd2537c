"""A fake Bot Connector on a loopback port: records what the bot sends, answers look-ups.

It serves the Bot Framework REST paths the SDK calls: replies and sends
(`POST /v3/conversations/{id}/activities[/{replyTo}]`), updates (`PUT .../activities/{id}`),
member look-ups (`GET /v3/conversations/{id}/members/{user}`) and createConversation
(`POST /v3/conversations`).

Like Teams it can throttle: with `tenant_limit` (or `conversation_limit`) set, a request
beyond that many in any one-second window of the tenant (or conversation) is answered
429 with `Retry-After: <retry_after>`. Tests can also make chosen conversations fail
(`fail`), make createConversation fail (`fail_create`) and slow every answer (`latency`).
Every request is logged in `requests` with its time and status, and its `Authorization`
header in `authorizations` (empty when it had none).
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import Counter, defaultdict, deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

CREATE = "(create conversation)"


@dataclass
class Sent:
    method: str
    conversation_id: str
    activity_id: str
    activity: dict[str, Any]
    reply_to: str | None = None

    @property
    def text(self) -> str:
        return self.activity.get("text") or ""

    @property
    def card(self) -> dict[str, Any] | None:
        for attachment in self.activity.get("attachments") or []:
            if attachment.get("contentType") == "application/vnd.microsoft.card.adaptive":
                return attachment["content"]
        return None


@dataclass(frozen=True, slots=True)
class Request:
    at: float  # time.monotonic() on arrival
    method: str
    conversation_id: str
    tenant: str
    status: int


@dataclass
class FakeConnector:
    members: dict[str, dict[str, Any]] = field(default_factory=dict)
    sent: list[Sent] = field(default_factory=list)
    created: list[dict[str, Any]] = field(default_factory=list)
    failures: dict[str, deque[tuple[int, dict[str, str]]]] = field(
        default_factory=lambda: defaultdict(deque)
    )
    url: str = ""
    tenant_limit: int | None = None
    conversation_limit: int | None = None
    retry_after: str = "1"
    latency: float = 0.0
    member_latency: dict[str, float] = field(default_factory=dict)  # per member look-up
    keep_activities: bool = True  # False: count messages per conversation only (benchmarks)
    requests: list[Request] = field(default_factory=list)
    authorizations: list[str] = field(default_factory=list)
    delivered: Counter[str] = field(default_factory=Counter)
    in_flight: int = 0
    peak_in_flight: int = 0
    _ids: Any = field(default_factory=lambda: itertools.count(1))
    _windows: dict[str, deque[float]] = field(default_factory=lambda: defaultdict(deque))
    server: web.Server | None = None  # set by whoever serves `app()`, for `until_idle`
    _arrived: asyncio.Event = field(default_factory=asyncio.Event)

    def add_member(self, user_id: str, **fields: Any) -> None:
        self.members[user_id] = {"id": user_id, **fields}

    def fail(self, conversation_id: str, status: int, times: int = 1, **headers: str) -> None:
        """The next `times` requests for the conversation answer `status` (with headers)."""
        for _ in range(times):
            self.failures[conversation_id].append((status, headers))

    def fail_create(self, status: int, times: int = 1, **headers: str) -> None:
        """The next `times` createConversation requests answer `status`."""
        self.fail(CREATE, status, times, **headers)

    def to(self, conversation_id: str) -> list[Sent]:
        return [s for s in self.sent if s.conversation_id == conversation_id]

    def messages(self) -> list[Sent]:
        return [s for s in self.sent if s.activity.get("type") == "message"]

    async def until_delivered(self, count: int) -> None:
        """Wait until `count` messages have been delivered in all."""
        while sum(self.delivered.values()) < count:
            self._arrived.clear()
            await self._arrived.wait()

    async def until_idle(self) -> None:
        """Wait until no connection is open and no request is being answered: everything
        that reached the connector from a client that has gone (e.g. was killed) is done."""
        assert self.server is not None, "until_idle needs the server that serves app()"
        # aiohttp signals no connection's end: poll the server's own list of connections,
        # which keeps each one until the connection is closed and its request answered.
        while self.server.connections:  # noqa: ASYNC110
            await asyncio.sleep(0.01)

    def throttled(self) -> list[Request]:
        return [r for r in self.requests if r.status == 429]

    def clear(self) -> None:
        self.sent.clear()
        self.created.clear()
        self.requests.clear()
        self.authorizations.clear()
        self.delivered.clear()

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/v3/conversations", self._create)
        app.router.add_post("/v3/conversations/{conversation}/activities", self._post)
        app.router.add_post("/v3/conversations/{conversation}/activities/{reply_to}", self._post)
        app.router.add_put("/v3/conversations/{conversation}/activities/{activity}", self._put)
        app.router.add_get("/v3/conversations/{conversation}/members/{member}", self._member)
        app.router.add_get("/fake/stats", self._stats)
        return app

    async def _stats(self, _request: web.Request) -> web.Response:
        """What was received, for a benchmark that runs the fake in another process."""
        return web.json_response(
            {
                "messages": sum(self.delivered.values()),
                "conversations": len(self.delivered),
                "throttled": len(self.throttled()),
            }
        )

    async def _answer(
        self, request: web.Request, conversation: str, body: dict[str, Any]
    ) -> web.Response | None:
        """An injected failure or a 429, logged; None when the request goes through."""
        self.authorizations.append(request.headers.get("Authorization", ""))
        self.in_flight += 1
        self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
        try:
            if self.latency:
                await asyncio.sleep(self.latency)
        finally:
            self.in_flight -= 1
        tenant = _tenant(body)
        now = time.monotonic()
        limits = (
            (f"tenant:{tenant}", self.tenant_limit),
            (
                f"conversation:{conversation}",
                None if conversation == CREATE else self.conversation_limit,
            ),
        )
        queue = self.failures.get(conversation)
        if queue:
            status, headers = queue.popleft()
        elif any(self._over(key, limit, now) for key, limit in limits):
            status, headers = 429, {"Retry-After": self.retry_after}
        else:
            for key, limit in limits:
                self._count(key, limit, now)
            self.requests.append(Request(now, request.method, conversation, tenant, 200))
            return None
        self.requests.append(Request(now, request.method, conversation, tenant, status))
        return web.json_response(
            {"error": {"code": "Injected", "message": f"injected {status}"}},
            status=status,
            headers=headers,
        )

    def _over(self, key: str, limit: int | None, now: float) -> bool:
        if limit is None:
            return False
        window = self._windows[key]
        while window and window[0] <= now - 1.0:
            window.popleft()
        return len(window) >= limit

    def _count(self, key: str, limit: int | None, now: float) -> None:
        if limit is not None:
            self._windows[key].append(now)

    async def _post(self, request: web.Request) -> web.Response:
        conversation = request.match_info["conversation"]
        body = await request.json()
        failure = await self._answer(request, conversation, body)
        if failure is not None:
            return failure
        activity_id = f"sent-{next(self._ids)}"
        if body.get("type") == "message":
            self.delivered[conversation] += 1
            self._arrived.set()
        if self.keep_activities:
            self.sent.append(
                Sent("POST", conversation, activity_id, body, request.match_info.get("reply_to"))
            )
        return web.json_response({"id": activity_id}, status=200)

    async def _put(self, request: web.Request) -> web.Response:
        conversation = request.match_info["conversation"]
        body = await request.json()
        failure = await self._answer(request, conversation, body)
        if failure is not None:
            return failure
        activity_id = request.match_info["activity"]
        if self.keep_activities:
            self.sent.append(Sent("PUT", conversation, activity_id, body))
        return web.json_response({"id": activity_id}, status=200)

    async def _member(self, request: web.Request) -> web.Response:
        self.authorizations.append(request.headers.get("Authorization", ""))
        delay = self.member_latency.get(request.match_info["member"], 0.0)
        if delay:
            await asyncio.sleep(delay)
        member = self.members.get(request.match_info["member"])
        if member is None:
            return web.json_response({"error": {"code": "NotFound"}}, status=404)
        return web.json_response(member)

    async def _create(self, request: web.Request) -> web.Response:
        body = await request.json()
        failure = await self._answer(request, CREATE, body)
        if failure is not None:
            return failure
        self.created.append(body)
        return web.json_response({"id": f"created-{next(self._ids)}"}, status=201)


def _tenant(body: dict[str, Any]) -> str:
    conversation = body.get("conversation") or {}
    channel_data = body.get("channelData") or {}
    return (
        conversation.get("tenantId")
        or body.get("tenantId")  # createConversation's parameters
        or (channel_data.get("tenant") or {}).get("id")
        or ""
    )
