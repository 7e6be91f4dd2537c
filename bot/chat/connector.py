"""The Bot Connector the terminal serves on loopback, as the activities' `serviceUrl`.

It receives the bot's replies, card updates and later proactive messages, answers the Teams
member look-up with the officer's email, and hands every activity to the session to show.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from aiohttp import web

from bot.chat.officer import ChatOfficer

Shown = Callable[[dict[str, Any], str, bool], None]  # (activity, its id, updated)
Deleted = Callable[[str], None]


class LoopbackConnector:
    def __init__(
        self, officer: ChatOfficer, tenant_id: str, *, show: Shown, deleted: Deleted
    ) -> None:
        self._officer = officer
        self._tenant_id = tenant_id
        self._show = show
        self._deleted = deleted
        self._ids = itertools.count(1)
        self._runner: web.AppRunner | None = None

    async def start(self) -> str:
        """Listen on a free loopback port; the service URL to give the bot."""
        self._runner = web.AppRunner(self._app(), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        return f"http://127.0.0.1:{self._runner.addresses[0][1]}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def _app(self) -> web.Application:
        app = web.Application()
        conversation = "/v3/conversations/{conversation}"
        app.router.add_post("/v3/conversations", self._on_create)
        app.router.add_post(conversation + "/activities", self._on_post)
        app.router.add_post(conversation + "/activities/{reply_to}", self._on_post)
        app.router.add_put(conversation + "/activities/{activity}", self._on_put)
        app.router.add_delete(conversation + "/activities/{activity}", self._on_delete)
        app.router.add_get(conversation + "/members", self._on_members)
        app.router.add_get(conversation + "/members/{member}", self._on_member)
        return app

    async def _on_post(self, request: web.Request) -> web.Response:
        activity = await _json(request)
        activity_id = f"chat-reply-{next(self._ids)}"
        self._show(activity, activity_id, False)
        return web.json_response({"id": activity_id})

    async def _on_put(self, request: web.Request) -> web.Response:
        activity = await _json(request)
        activity_id = request.match_info["activity"]
        self._show(activity, activity_id, True)
        return web.json_response({"id": activity_id})

    async def _on_delete(self, request: web.Request) -> web.Response:
        self._deleted(request.match_info["activity"])
        return web.Response(status=200)

    async def _on_member(self, request: web.Request) -> web.Response:
        if request.match_info["member"] != self._officer.user_id:
            return web.json_response(
                {"error": {"code": "MemberNotFoundInConversation"}}, status=404
            )
        return web.json_response(self._officer.member(self._tenant_id))

    async def _on_members(self, _request: web.Request) -> web.Response:
        return web.json_response([self._officer.member(self._tenant_id)])

    async def _on_create(self, _request: web.Request) -> web.Response:
        """A 1:1 conversation with the officer is always this one."""
        return web.json_response({"id": self._officer.conversation_id}, status=201)


async def _json(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
