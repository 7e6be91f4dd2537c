"""The composition root: `create_app(settings, clock=...)` builds the aiohttp application.

Resources that need cleanup (database engine, channel clients, scheduler) are made in
`cleanup_ctx` generators and kept under typed `web.AppKey`s. Nothing happens at import time.
The one clock given here is what turns, jobs, the outbox and Slack's replay check read. The
outbox is built by `bot.wiring.outbox`, as the job runner's is.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator

from aiohttp import web
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot import wiring
from bot.channels.slack import SLACK_NOT_CONFIGURED, SlackTransport
from bot.channels.slack import configured as slack_configured
from bot.channels.teams import UNAUTHENTICATED_WARNING, TeamsTransport
from bot.clock import Clock, system_clock
from bot.delivery import DeliveryWorker, Outbox
from bot.scheduler import Scheduler
from bot.settings import Settings
from bot.tab.assets import Assets
from bot.tab.auth import TabAuth
from bot.tab.routes import TAB, Tab
from bot.tab.routes import add_routes as add_tab_routes
from bot.turns import TurnRunner
from dialogs import build_router
from dialogs.router import Router
from storage.db import create_engine, create_sessionmaker, shown_url
from storage.migrate import current_heads, expected_heads

log = logging.getLogger(__name__)

SETTINGS = web.AppKey("settings", Settings)
CLOCK: web.AppKey[Clock] = web.AppKey("clock")
ENGINE = web.AppKey("engine", AsyncEngine)
SESSIONS = web.AppKey("sessions", async_sessionmaker[AsyncSession])
CHANNELS = web.AppKey("channels", wiring.Channels)
TEAMS = web.AppKey("teams", TeamsTransport)
RUNNER = web.AppKey("runner", TurnRunner)
ROUTER = web.AppKey("router", Router)
SCHEDULER = web.AppKey("scheduler", Scheduler)
OUTBOX = web.AppKey("outbox", Outbox)
DELIVERY = web.AppKey("delivery", DeliveryWorker)
SLACK = web.AppKey("slack", SlackTransport)


YOUNG_OBJECTS = 5000
"""The cycle collector's first threshold in the service (Python 3.11's default is 700;
3.13's, 2,000)."""


def steady_collector() -> None:
    """Python's cycle collector set for a long-running service, once it has loaded: what
    is loaded by then (modules, the channel SDKs, settings) is moved out of the collector's
    way (`gc.freeze`), and it looks for cycles after 5,000 new objects rather than 700. A
    supervision-tab page makes and drops a few hundred thousand small objects, few of them
    in cycles; with the defaults the collector stopped a district's page six or seven times
    to walk everything the process holds (bench/tab.py measures the pages so set)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_OBJECTS, *gc.get_threshold()[1:])


def create_app(settings: Settings, *, clock: Clock = system_clock) -> web.Application:
    app = web.Application(client_max_size=settings.max_body_bytes)
    app[SETTINGS] = settings
    app[CLOCK] = clock
    app.cleanup_ctx.append(_database)
    app.cleanup_ctx.append(_channels)
    app.cleanup_ctx.append(_turns)
    app.cleanup_ctx.append(_delivery)
    app.cleanup_ctx.append(_scheduler)
    app.cleanup_ctx.append(_slack)
    app.cleanup_ctx.append(_tab)
    app.router.add_post("/api/messages", messages)
    app.router.add_post("/api/slack", slack_events)
    app.router.add_get("/healthz", healthz)
    add_tab_routes(app)  # the supervision tab: /tab/ (bot/tab/routes.py)
    return app


async def _database(app: web.Application) -> AsyncIterator[None]:
    engine = create_engine(app[SETTINGS].database_url)
    app[ENGINE] = engine
    app[SESSIONS] = create_sessionmaker(engine)
    yield
    await engine.dispose()


async def _channels(app: web.Application) -> AsyncIterator[None]:
    """Teams' authentication (the chosen SDK's) and Bot Connector client, and the Slack client
    when Slack is configured: the outbox and the transports share them."""
    settings = app[SETTINGS]
    async with wiring.service_channels(settings) as channels:
        app[CHANNELS] = channels
        yield


async def _turns(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    app[ROUTER] = build_router()
    runner = TurnRunner(
        sessions=app[SESSIONS],
        router=app[ROUTER],
        settings=settings,
        clock=app[CLOCK],
        wake_outbox=lambda: app[DELIVERY].wake(),
    )
    app[RUNNER] = runner
    app[TEAMS] = TeamsTransport(
        runner=runner,
        authenticator=app[CHANNELS].teams.authenticator,
        connector=app[CHANNELS].connector,
        settings=settings,
    )
    yield
    await app[TEAMS].close()  # replies still on their way, before the channels close


async def _delivery(app: web.Application) -> AsyncIterator[None]:
    app[OUTBOX] = wiring.outbox(app[SESSIONS], app[SETTINGS], app[CLOCK], app[CHANNELS])
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
    client = app[CHANNELS].slack
    if client is None:
        yield
        return
    app[SLACK] = SlackTransport(
        runner=app[RUNNER], client=client, settings=app[SETTINGS], clock=app[CLOCK]
    )
    yield
    await app[SLACK].close()


async def _tab(app: web.Application) -> AsyncIterator[None]:
    """The supervision tab: its sign-in (Teams single sign-on, or local signed links) and its
    files, read once from the package."""
    app[TAB] = Tab(
        settings=app[SETTINGS],
        clock=app[CLOCK],
        sessions=app[SESSIONS],
        views=app[ROUTER].views,
        auth=TabAuth(app[SETTINGS]),
        assets=Assets.load(),
    )
    yield


def banner(app: web.Application, url: str) -> tuple[int, str]:
    """The one line `pcso-bot serve` logs once the service is up, and at what level: what
    an operator needs to see at a glance (version, address, mode, channels, database without
    its password, scheduler), loud (WARNING) when the bot is unauthenticated."""
    settings = app[SETTINGS]
    sdk = f"Teams SDK {app[CHANNELS].teams.sdk}"
    if settings.authenticated:
        mode = f"Teams app {settings.app_id} ({settings.app_type}; {sdk})"
    else:
        mode = f"{UNAUTHENTICATED_WARNING} ({sdk})"
    scheduler = app[SCHEDULER].health()
    if not settings.scheduler_enabled:
        jobs = "off in this instance (PCSO_SCHEDULER_ENABLED=false)"
    else:
        jobs = f"{'on' if scheduler['running'] else 'NOT RUNNING'} ({settings.timezone})"
    parts = [
        f"pcso-bot {_version()} serving on {url}",
        f"mode: {mode}",
        f"Slack: {'on' if slack_configured(settings) else 'off'}",
        f"database: {shown_url(settings.database_url)}",
        f"scheduler: {jobs}",
    ]
    if settings.instance_name:
        parts.append(f"instance: {settings.instance_name}")
    return (logging.INFO if settings.authenticated else logging.WARNING), "; ".join(parts)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("pcso-bot")
    except PackageNotFoundError:
        return "(not installed)"


async def messages(request: web.Request) -> web.Response:
    """Bot Framework activities from Teams (bot/channels/teams)."""
    return await request.app[TEAMS].handle(request)


async def slack_events(request: web.Request) -> web.Response:
    """Slack's Events API and interactivity (bot/channels/slack)."""
    transport = request.app.get(SLACK)
    if transport is None:
        return _problem(404, SLACK_NOT_CONFIGURED)  # not a fault: this edge has no Slack
    return await transport.handle(request)


def _problem(status: int, detail: str) -> web.Response:
    return web.json_response({"error": detail}, status=status)


async def healthz(request: web.Request) -> web.Response:
    database = await _database_health(request.app)
    scheduler = request.app[SCHEDULER].health()
    delivery = request.app[DELIVERY].health()
    teams = request.app[CHANNELS].connector.health()
    healthy = (
        database["ok"]
        and delivery["running"]
        and (scheduler["running"] or not request.app[SETTINGS].scheduler_enabled)
        and teams["token"] != "failing"
    )
    return web.json_response(
        {
            "status": "ok" if healthy else "degraded",
            "database": database,
            "scheduler": scheduler,
            "delivery": delivery,
            "teams": teams,
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
