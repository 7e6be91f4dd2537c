"""Fixtures: every end-to-end test runs against SQLite and PostgreSQL, over real HTTP, with
the service's clock injected (`clock`), so no test depends on the machine's date; and every
test that speaks to the Teams transport or the Bot Connector runs on both Teams SDKs
(`teams_sdk`: botbuilder and the Microsoft 365 Agents SDK)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.app import create_app
from bot.logs import QUIET
from bot.settings import Settings
from storage import roster
from storage.db import create_engine, create_sessionmaker
from tests.rig import databases
from tests.rig.connector import FakeConnector
from tests.rig.officer_day import Clock, install_all, officers_of
from tests.rig.teams import TeamsUser

SAMPLE_ROSTER = Path(__file__).parent.parent / "docs" / "sample-roster.csv"
# Where the service's clock stands unless a test module chooses (its own `clock` fixture) or
# a test moves it: 08:05 GMT on Tuesday 1 December 2026, a briefing day.
DEFAULT_NOW = datetime(2026, 12, 1, 8, 5, tzinfo=UTC)


TEAMS_SDKS = ("botbuilder", "agents")
# A test with one of these fixtures speaks to /api/messages or to the fake Bot Connector: it
# runs once per Teams SDK. Tests without (Slack, the CLI, units) run once, on the default.
TEAMS_FIXTURES = frozenset({"teams_user", "people", "connector", "bot_url"})


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    names = set(metafunc.fixturenames)
    if "teams_sdk" in names and names & TEAMS_FIXTURES:
        metafunc.parametrize("teams_sdk", TEAMS_SDKS, indirect=True)


@pytest.fixture
def teams_sdk(request: pytest.FixtureRequest) -> str:
    """`PCSO_TEAMS_SDK` of the bots a test starts: each SDK in turn for a Teams test, the
    default (botbuilder) for any other."""
    return str(getattr(request, "param", TEAMS_SDKS[0]))


@pytest.fixture(autouse=True)
def _root_logger_as_it_was() -> Iterator[None]:
    """A test that calls `bot.cli.main` in this process configures logging as a command
    would (`bot.logs.configure`, DEBUG with `--debug`): put the root logger back after it,
    so later tests do not log at its level."""
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    quiet = {name: logging.getLogger(name).level for name in QUIET}
    yield
    root.setLevel(level)
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
    for name, was in quiet.items():
        logging.getLogger(name).setLevel(was)


@pytest.fixture
def clock() -> Clock:
    """The clock every app a test starts is built with (`create_app(..., clock=clock)`)."""
    return Clock(DEFAULT_NOW)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return databases.make_sqlite_template(tmp_path_factory.mktemp("template"))


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    database = databases.PostgresDatabase()
    reason = database.unavailable()
    if reason:
        if databases.REQUIRE_PG:
            pytest.fail(f"PCSO_REQUIRE_POSTGRES is set but {reason}")
        pytest.skip(f"PostgreSQL tests skipped: {reason}")
    database.create()
    yield database.url
    database.drop()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return databases.sqlite_copy(request.getfixturevalue("sqlite_template"), tmp_path)
    return request.getfixturevalue("postgres_url")


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    if engine.dialect.name == "postgresql":
        await databases.truncate_all(engine)
    yield engine
    await engine.dispose()


@pytest.fixture
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return create_sessionmaker(engine)


@pytest.fixture
def settings(database_url: str, engine: AsyncEngine, teams_sdk: str) -> Settings:
    """`engine` first, so a PostgreSQL database is clean before the app opens it."""
    return Settings(
        _env_file=None,
        database_url=database_url,
        teams_sdk=teams_sdk,
        app_id="",
        allowed_tenants="",
        scheduler_enabled=False,  # it runs the real jobs on the wall clock; tests pick instants
    )


async def _serve(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    return runner, f"http://127.0.0.1:{port}"


@pytest.fixture
async def connector() -> AsyncIterator[FakeConnector]:
    fake = FakeConnector()
    runner, url = await _serve(fake.app())
    fake.url, fake.server = url, runner.server
    yield fake
    await runner.cleanup()


BotFactory = Callable[..., Awaitable[str]]


@pytest.fixture
async def start_bot(settings: Settings, clock: Clock) -> AsyncIterator[BotFactory]:
    """Start the real app on a loopback port (optionally with other settings), on the test's
    clock; its URL."""
    runners: list[web.AppRunner] = []

    async def start(**overrides: Any) -> str:
        chosen = settings.model_copy(update=overrides) if overrides else settings
        runner, url = await _serve(create_app(chosen, clock=clock))
        runners.append(runner)
        return url

    yield start
    for runner in reversed(runners):
        await runner.cleanup()


@pytest.fixture
async def bot_url(start_bot: BotFactory) -> str:
    return await start_bot()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def import_roster(sessions: async_sessionmaker[AsyncSession], text: str) -> None:
    rows = roster.parse(text)
    async with sessions() as session, session.begin():
        await roster.apply(session, rows)


@pytest.fixture
async def sample_roster(sessions: async_sessionmaker[AsyncSession]) -> list[roster.RosterRow]:
    text = SAMPLE_ROSTER.read_text()
    await import_roster(sessions, text)
    return roster.parse(text)


@pytest.fixture
def teams_user(
    http: aiohttp.ClientSession, bot_url: str, connector: FakeConnector
) -> Callable[..., TeamsUser]:
    """A Teams user for a roster row: `teams_user(row)` or `teams_user(user_id=..., ...)`."""

    def make(row: roster.RosterRow | None = None, **fields: Any) -> TeamsUser:
        if row is not None:
            fields.setdefault("user_id", f"29:{row.collar_number.lower()}")
            fields.setdefault("aad_object_id", row.aad_object_id)
            fields.setdefault("name", row.name)
        fields.setdefault("bot_url", bot_url)
        return TeamsUser(http=http, connector=connector, **fields)

    return make


@pytest.fixture
async def people(sample_roster, teams_user, connector: FakeConnector) -> dict[str, TeamsUser]:
    """Every member of the sample roster as a Teams user who has installed the bot."""
    users = officers_of(sample_roster, teams_user, connector)
    await install_all(users)
    connector.clear()
    return users
