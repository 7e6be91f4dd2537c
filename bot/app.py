"""The composition root: `create_app(settings, clock=...)` builds the aiohttp application.

Resources that need cleanup (database engine, Bot Framework adapter, scheduler) are made in
`cleanup_ctx` generators and kept under typed `web.AppKey`s. Nothing happens at import time.
The one clock given here is what turns, jobs, the outbox and Slack's replay check read.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator

from aiohttp import web
from botbuilder.integration.aiohttp import (
    CloudAdapter,
    ConfigurationBotFrameworkAuthentication,
)
from botbuilder.schema import Activity
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.clock import Clock, system_clock
from bot.delivery import DeliveryWorker, Outbox
from bot.scheduler import Scheduler
from bot.sender import TeamsSender
from bot.settings import Settings
from bot.slack import CHANNEL as SLACK_CHANNEL
from bot.slack import (
    SLACK_NOT_CONFIGURED,
    SLACK_OFF,
    SlackSender,
    SlackTransport,
    configured,
    web_client,
)
from bot.teams import TeamsTransport, on_turn_error, tenant_of
from bot.turns import TurnRunner
from dialogs import build_router
from dialogs.router import Router
from storage.db import create_engine, create_sessionmaker
from storage.migrate import current_heads, expected_heads

log = logging.getLogger(__name__)

SETTINGS = web.AppKey("settings", Settings)
CLOCK: web.AppKey[Clock] = web.AppKey("clock")
ENGINE = web.AppKey("engine", AsyncEngine)
SESSIONS = web.AppKey("sessions", async_sessionmaker[AsyncSession])
ADAPTER = web.AppKey("adapter", CloudAdapter)
TEAMS = web.AppKey("teams", TeamsTransport)
RUNNER = web.AppKey("runner", TurnRunner)
ROUTER = web.AppKey("router", Router)
SCHEDULER = web.AppKey("scheduler", Scheduler)
OUTBOX = web.AppKey("outbox", Outbox)
DELIVERY = web.AppKey("delivery", DeliveryWorker)
SLACK_CLIENT = web.AppKey("slack_client", AsyncWebClient)
SLACK = web.AppKey("slack", SlackTransport)

UNAUTHENTICATED_WARNING = (
    "NO MicrosoftAppId IS SET: the bot accepts UNAUTHENTICATED activities and must only "
    "listen on loopback. Set MicrosoftAppId/MicrosoftAppPassword for any real deployment."
)


def create_app(settings: Settings, *, clock: Clock = system_clock) -> web.Application:
    app = web.Application(client_max_size=settings.max_body_bytes)
    app[SETTINGS] = settings
    app[CLOCK] = clock
    app.cleanup_ctx.append(_database)
    app.cleanup_ctx.append(_bot_framework)
    app.cleanup_ctx.append(_slack_client)
    app.cleanup_ctx.append(_delivery)
    app.cleanup_ctx.append(_scheduler)
    app.cleanup_ctx.append(_slack)
    app.router.add_post("/api/messages", messages)
    app.router.add_post("/api/slack", slack_events)
    app.router.add_get("/healthz", healthz)
    return app


async def _database(app: web.Application) -> AsyncIterator[None]:
    engine = create_engine(app[SETTINGS].database_url)
    app[ENGINE] = engine
    app[SESSIONS] = create_sessionmaker(engine)
    yield
    await engine.dispose()


async def _bot_framework(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    if not settings.authenticated:
        log.warning(UNAUTHENTICATED_WARNING)
    adapter = CloudAdapter(ConfigurationBotFrameworkAuthentication(settings.bot_framework_config()))
    adapter.on_turn_error = on_turn_error
    app[ROUTER] = build_router()
    runner = TurnRunner(
        sessions=app[SESSIONS],
        router=app[ROUTER],
        settings=settings,
        clock=app[CLOCK],
        after_commit=lambda: app[DELIVERY].wake(),
    )
    app[ADAPTER] = adapter
    app[RUNNER] = runner
    app[TEAMS] = TeamsTransport(runner=runner)
    yield


async def _slack_client(app: web.Application) -> AsyncIterator[None]:
    """The Slack Web API client, when Slack is configured: the outbox and the transport share it."""
    settings = app[SETTINGS]
    if not configured(settings):
        log.info(SLACK_OFF)
        yield
        return
    async with web_client(settings) as client:
        app[SLACK_CLIENT] = client
        yield


async def _delivery(app: web.Application) -> AsyncIterator[None]:
    sender = TeamsSender(adapter=app[ADAPTER], settings=app[SETTINGS])
    others = {SLACK_CHANNEL: SlackSender(client=app[SLACK_CLIENT])} if SLACK_CLIENT in app else {}
    app[OUTBOX] = Outbox(
        sessions=app[SESSIONS],
        sender=sender,
        senders=others,
        settings=app[SETTINGS],
        clock=app[CLOCK],
    )
    app[DELIVERY] = DeliveryWorker(app[OUTBOX])
    app[DELIVERY].start()
    yield
    await app[DELIVERY].stop()


async def _scheduler(app: web.Application) -> AsyncIterator[None]:
    scheduler = Scheduler(
        sessions=app[SESSIONS],
        settings=app[SETTINGS],
        jobs=app[ROUTER].jobs,
        outbox=app[OUTBOX],
        clock=app[CLOCK],
    )
    app[SCHEDULER] = scheduler
    if app[SETTINGS].scheduler_enabled:
        scheduler.start()
    yield
    await scheduler.stop()


async def _slack(app: web.Application) -> AsyncIterator[None]:
    """Last in, so at shutdown Slack turns in flight finish before anything else stops."""
    if SLACK_CLIENT not in app:
        yield
        return
    app[SLACK] = SlackTransport(
        runner=app[RUNNER], client=app[SLACK_CLIENT], settings=app[SETTINGS], clock=app[CLOCK]
    )
    yield
    await app[SLACK].close()


async def messages(request: web.Request) -> web.Response:
    """Bot Framework activities from Teams. Client faults get 4xx, never a 500."""
    if (
        request.content_length is not None
        and request.content_length > request.app[SETTINGS].max_body_bytes
    ):
        raise web.HTTPRequestEntityTooLarge(
            max_size=request.app[SETTINGS].max_body_bytes, actual_size=request.content_length
        )
    try:
        body = await request.json()
    except web.HTTPRequestEntityTooLarge:
        raise
    except (json.JSONDecodeError, UnicodeDecodeError):
        return _problem(400, "body is not JSON")
    problem = _check_activity(body)
    if problem:
        return _problem(400, problem)
    try:
        activity = Activity().deserialize(body)
    except Exception:  # noqa: BLE001 - msrest raises several types for malformed input
        return _problem(400, "not a Bot Framework activity")
    allowed = request.app[SETTINGS].allowed_tenant_ids
    if allowed and tenant_of(activity) not in allowed:
        log.warning(
            "refused activity %s from tenant %s (not in PCSO_ALLOWED_TENANTS)",
            activity.id,
            tenant_of(activity),
        )
        return _problem(403, "tenant not allowed")
    auth_header = request.headers.get("Authorization", "")
    try:
        response = await request.app[ADAPTER].process_activity(
            auth_header, activity, request.app[TEAMS].on_turn
        )
    except PermissionError:
        return _problem(401, "unauthorized")
    if response is not None:
        return web.json_response(response.body, status=response.status)
    return web.Response(status=200)


async def slack_events(request: web.Request) -> web.Response:
    """Slack's Events API and interactivity (bot/slack.py)."""
    transport = request.app.get(SLACK)
    if transport is None:
        return _problem(503, SLACK_NOT_CONFIGURED)
    return await transport.handle(request)


def _check_activity(body: object) -> str | None:
    if not isinstance(body, dict):
        return "activity must be a JSON object"
    if not isinstance(body.get("type"), str) or not body["type"]:
        return "activity has no type"
    for key in ("conversation", "from", "recipient"):
        value = body.get(key)
        if not isinstance(value, dict) or not isinstance(value.get("id"), str):
            return f"activity has no {key}.id"
    service_url = body.get("serviceUrl")
    if not isinstance(service_url, str) or not service_url.startswith(("https://", "http://")):
        return "activity has no serviceUrl"
    for key in ("id", "text", "name", "replyToId"):
        if key in body and body[key] is not None and not isinstance(body[key], str):
            return f"activity {key} must be a string"
    return None


def _problem(status: int, detail: str) -> web.Response:
    return web.json_response({"error": detail}, status=status)


async def healthz(request: web.Request) -> web.Response:
    database = await _database_health(request.app)
    scheduler = request.app[SCHEDULER].health()
    delivery = request.app[DELIVERY].health()
    healthy = (
        database["ok"]
        and delivery["running"]
        and (scheduler["running"] or not request.app[SETTINGS].scheduler_enabled)
    )
    return web.json_response(
        {
            "status": "ok" if healthy else "degraded",
            "database": database,
            "scheduler": scheduler,
            "delivery": delivery,
        },
        status=200 if healthy else 503,
    )


async def _database_health(app: web.Application) -> dict[str, object]:
    engine = app[ENGINE]
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
        heads = await current_heads(engine)
    except Exception as error:  # noqa: BLE001 - any failure means "not healthy"
        log.warning("health check: database unavailable: %s", error)
        return {"ok": False, "backend": engine.dialect.name, "error": type(error).__name__}
    migrated = heads == expected_heads()
    return {
        "ok": migrated,
        "backend": engine.dialect.name,
        "migrated": migrated,
        **({} if migrated else {"hint": "run: pcso-bot db upgrade"}),
    }
