"""A fake Bot Connector on a loopback port: records what the bot sends, answers look-ups.

It serves the Bot Framework REST paths the SDK calls: replies and sends
(`POST /v3/conversations/{id}/activities[/{replyTo}]`), updates (`PUT .../activities/{id}`),
member look-ups (`GET /v3/conversations/{id}/members/{user}`) and createConversation
(`POST /v3/conversations`). Tests can make chosen conversations fail or throttle.
"""

from __future__ import annotations

import itertools
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


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


@dataclass
class FakeConnector:
    members: dict[str, dict[str, Any]] = field(default_factory=dict)
    sent: list[Sent] = field(default_factory=list)
    created: list[dict[str, Any]] = field(default_factory=list)
    failures: dict[str, deque[tuple[int, dict[str, str]]]] = field(
        default_factory=lambda: defaultdict(deque)
    )
    url: str = ""
    _ids: Any = field(default_factory=lambda: itertools.count(1))

    def add_member(self, user_id: str, **fields: Any) -> None:
        self.members[user_id] = {"id": user_id, **fields}

    def fail(self, conversation_id: str, status: int, times: int = 1, **headers: str) -> None:
        """The next `times` requests for the conversation answer `status` (with headers)."""
        for _ in range(times):
            self.failures[conversation_id].append((status, headers))

    def to(self, conversation_id: str) -> list[Sent]:
        return [s for s in self.sent if s.conversation_id == conversation_id]

    def messages(self) -> list[Sent]:
        return [s for s in self.sent if s.activity.get("type") == "message"]

    def clear(self) -> None:
        self.sent.clear()
        self.created.clear()

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/v3/conversations", self._create)
        app.router.add_post("/v3/conversations/{conversation}/activities", self._post)
        app.router.add_post("/v3/conversations/{conversation}/activities/{reply_to}", self._post)
        app.router.add_put("/v3/conversations/{conversation}/activities/{activity}", self._put)
        app.router.add_get("/v3/conversations/{conversation}/members/{member}", self._member)
        return app

    def _injected(self, conversation_id: str) -> web.Response | None:
        queue = self.failures.get(conversation_id)
        if queue:
            status, headers = queue.popleft()
            return web.json_response(
                {"error": {"code": "Injected", "message": f"injected {status}"}},
                status=status,
                headers=headers,
            )
        return None

    async def _post(self, request: web.Request) -> web.Response:
        conversation = request.match_info["conversation"]
        failure = self._injected(conversation)
        if failure is not None:
            return failure
        body = await request.json()
        activity_id = f"sent-{next(self._ids)}"
        self.sent.append(
            Sent("POST", conversation, activity_id, body, request.match_info.get("reply_to"))
        )
        return web.json_response({"id": activity_id}, status=200)

    async def _put(self, request: web.Request) -> web.Response:
        conversation = request.match_info["conversation"]
        failure = self._injected(conversation)
        if failure is not None:
            return failure
        body = await request.json()
        activity_id = request.match_info["activity"]
        self.sent.append(Sent("PUT", conversation, activity_id, body))
        return web.json_response({"id": activity_id}, status=200)

    async def _member(self, request: web.Request) -> web.Response:
        member = self.members.get(request.match_info["member"])
        if member is None:
            return web.json_response({"error": {"code": "NotFound"}}, status=404)
        return web.json_response(member)

    async def _create(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.created.append(body)
        return web.json_response({"id": f"created-{next(self._ids)}"}, status=201)
