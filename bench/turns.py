"""Turn benchmark: one Teams turn of the real bot, on each Teams SDK, against a bare
botbuilder echo bot.

    .venv/bin/python -m bench.turns                    # SQLite, then PostgreSQL if reachable
    .venv/bin/python -m bench.turns --rounds 100 --databases sqlite --skip-slow
    .venv/bin/python -m bench.turns --stacks agents    # one Teams SDK only

For each database and each Teams SDK (`--stacks`, `PCSO_TEAMS_SDK`: botbuilder, agents), on
a fresh database (a SQLite file; a `pcso_bench_<pid>_<random>` PostgreSQL database on the
server of $PCSO_TEST_PG_URL, dropped afterwards), three processes are started, as in
bench/fanout.py: the fake Bot Connector (tests/rig/connector.py, without Teams' rate
limits), a bare botbuilder echo bot (CloudAdapter, unauthenticated: it echoes a message's
text and answers an `adaptiveCard/action` invoke with a small card) and the real bot
(`bot.app.create_app` on that SDK, its clock fixed at 08:05 GMT on Tue 1 Dec 2026, a
briefing day, on the migrated database with a roster of `--officers` officers in teams of
ten, plus their sergeants and inspectors, every officer having installed the bot first).
The bot is authenticated as in production, so that what differs between the SDKs is
measured: every request carries a Bot Framework token signed by a local OpenID issuer
(tests/rig/openid.py), which the bot checks, and it gets its own token for the connector
from a fake Entra ID behind a loopback HTTPS_PROXY (tests/rig/entra.py); both run in this
process, on threads of their own. This process is the client: it speaks to both bots over
HTTP exactly as Teams does (tests/rig/teams.py; one token, as Teams reuses its own), never
through the turn path's own code, with one aiohttp session.

It measures, per database and SDK:

1. Sequential turns, one to the bot then one to the echo, `--rounds` of each kind after a
   warm-up: a card submit (Action.Submit: a message whose `value` is the card's data), an
   Action.Execute invoke (answered in the HTTP body) and a typed command (`whoami`,
   `help`). Each turn comes from the next officer and changes that officer's briefing
   answer (in person, remote, rest day, ...), so every card turn records something.
   Target for both card turns: bot p50 <= 1.3x echo p50 and bot p99 <= 2x echo p99.
2. `--concurrent` card submits from as many officers at once (asyncio.gather), to the bot,
   then the same to the echo. Target: bot p99 <= 1.5x echo p99.
3. Unless --skip-slow: the same burst to the bot while every connector answer takes 10 s.
   Target: every HTTP answer within 12 s (an answer is waited for at most --slow-timeout
   and counted as over 12 s after that). The echo with that connector is measured once,
   on the first database, as a reference.

Every answer must be a success (the bot answers 200; the echo 200 to invokes and, as
botbuilder's own `CloudAdapter.process` does, 201 to messages), invoke answers must carry
a card, and the connector must have received a reply for every message turn,
none of them an apology or refusal; otherwise the benchmark aborts. It only prints: a
missed target is reported as "missed", never as a failure.

Last, the SDKs side by side: the agents stack's figures over botbuilder's, per database
(target: at most 1.05, as the Agents SDK must be no slower). The two runs are minutes apart
on a shared machine, so each SDK's bot/echo ratio, against an echo measured in the same
minutes, is printed beside them; and the one thing the SDKs do per request, the token
check, is timed alone (`--token-checks` calls of each SDK's `Authenticator` in turn, in a
process of their own, the same token for both).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import logging
import math
import os
import platform
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from aiohttp import ClientError, ClientSession, ClientTimeout, TCPConnector, web
from sqlalchemy import text
from sqlalchemy.engine import make_url

from storage import roster
from storage.db import create_engine, create_sessionmaker, is_sqlite
from storage.migrate import upgrade
from tests.rig import databases
from tests.rig.connector import FakeConnector
from tests.rig.entra import FakeEntra
from tests.rig.openid import FakeIssuer
from tests.rig.teams import TENANT, TeamsUser

NOW = datetime(2026, 12, 1, 8, 5, tzinfo=UTC)  # tests/conftest.py DEFAULT_NOW: a briefing day
DAY = NOW.date().isoformat()
VERB = "briefing.attend"
# The briefing card's answers (as tests/rig/fanout.py's ANSWERS, not imported: that module
# pulls in the whole bot, and this process must not depend on the code it measures).
ATTENDANCE = (
    "in_person",
    "remote",
    "rest_day",
    "annual_leave",
    "sick",
    "training",
    "other_duty",
    "court",
)
COMMANDS = ("whoami", "help")
TEAM_SIZE, TEAMS_PER_SERGEANT, DISTRICTS = 10, 3, 3
ECHO_CONVERSATION = "a:echo-"
CARD = "application/vnd.microsoft.card.adaptive"
CARD_TARGET = (1.3, 2.0)  # bot/echo at p50, at p99
CONCURRENT_TARGET = 1.5  # bot/echo at p99
SLOW_LATENCY, SLOW_LIMIT = 10.0, 12.0  # seconds
STARTUP_SECONDS, REQUEST_SECONDS, REPLY_WAIT_SECONDS = 60.0, 120.0, 15.0
APOLOGY_WORDS = ("sorry", "went wrong", "nothing saved", "nothing was saved")
STACKS = ("botbuilder", "agents")
STACK_TARGET = 1.05  # agents / botbuilder
APP_ID, SECRET = "00000000-1111-2222-3333-444444444444", "bench-client-secret"
STARTED = time.perf_counter()


class BenchError(Exception):
    """The bench cannot trust what it measured (a failed answer, a missing reply...)."""


class Unavailable(Exception):
    """A database that cannot be used in this run; the message says why."""


def note(message: str) -> None:
    """Progress, on stderr, so that stdout holds only the figures."""
    print(f"[{time.perf_counter() - STARTED:6.1f}s] {message}", file=sys.stderr, flush=True)


# --- the servers, each in a process of its own ------------------------------------------


async def serve(make: Callable[[], web.Application]) -> None:
    """Serve the app on a loopback port until stdin closes; print its URL first.

    Stdin is read on the event loop, not in the default executor as bench/fanout.py's
    connector does: the SDK sends replies from that executor, and a thread parked on stdin
    would take one of its few workers away from the bots.
    """
    runner = web.AppRunner(make(), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    print(f"http://127.0.0.1:{runner.addresses[0][1]}", flush=True)
    loop = asyncio.get_running_loop()
    stdin = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(stdin), sys.stdin)
    await stdin.read()
    await runner.cleanup()


def bot_app(database_url: str, sdk: str, metadata_url: str) -> web.Application:
    """The real bot on `sdk`, authenticated against the local issuer, scheduler off, on the
    fixed clock."""
    from bot.app import create_app
    from bot.settings import Settings
    from tests.rig.officer_day import Clock

    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        database_url=database_url,
        teams_sdk=sdk,
        app_id=APP_ID,
        app_password=SECRET,
        app_type="SingleTenant",
        app_tenant_id=TENANT,
        openid_metadata_url=metadata_url,
        token_issuer="https://api.botframework.com",
        allowed_tenants="",
        scheduler_enabled=False,
    )
    return create_app(settings, clock=Clock(NOW))


def echo_app() -> web.Application:
    """A bare botbuilder bot, unauthenticated (the floor of what botbuilder does: with an app
    id it builds new credentials, and asks Entra ID, for every reply): `echo: <text>` to a
    message, a small card to an invoke."""
    from botbuilder.core import Bot, MessageFactory, TurnContext
    from botbuilder.integration.aiohttp import (
        CloudAdapter,
        ConfigurationBotFrameworkAuthentication,
    )
    from botbuilder.schema import (
        Activity,
        ActivityTypes,
        AdaptiveCardInvokeResponse,
        InvokeResponse,
    )

    class Echo(Bot):  # type: ignore[misc]
        async def on_turn(self, context: TurnContext) -> None:
            activity = context.activity
            if activity.type == ActivityTypes.message:
                await context.send_activity(MessageFactory.text("echo: " + (activity.text or "")))
            elif activity.type == ActivityTypes.invoke and activity.name == "adaptiveCard/action":
                verb = (activity.value or {}).get("action", {}).get("verb", "")
                body = AdaptiveCardInvokeResponse(status_code=200, type=CARD, value=echo_card(verb))
                response = InvokeResponse(status=200, body=body)
                await context.send_activity(
                    Activity(type=ActivityTypes.invoke_response, value=response)
                )

    config = SimpleNamespace(APP_ID="", APP_PASSWORD="", APP_TYPE="MultiTenant", APP_TENANTID="")
    adapter = CloudAdapter(ConfigurationBotFrameworkAuthentication(config))
    echo = Echo()

    async def messages(request: web.Request) -> web.StreamResponse:
        return await adapter.process(request, echo)

    app = web.Application()
    app.router.add_post("/api/messages", messages)
    return app


def echo_card(verb: str) -> dict[str, Any]:
    return {
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": [{"type": "TextBlock", "text": f"echo: {verb}", "wrap": True}],
    }


@dataclass
class TalliedConnector:
    """The fake connector with no rate limits, keeping nothing but counts per side (echo
    conversations start with `a:echo-`): replies, those with a card, apologies, failures.
    `GET /bench/stats` reads them; `POST /bench/latency {"seconds": 10}` slows every answer."""

    fake: FakeConnector = field(default_factory=lambda: FakeConnector(keep_activities=False))
    counts: Counter[str] = field(default_factory=Counter)

    def app(self) -> web.Application:
        app = self.fake.app()
        app.middlewares.append(self._tally)
        app.router.add_get("/bench/stats", self._stats)
        app.router.add_post("/bench/latency", self._latency)
        return app

    @web.middleware
    async def _tally(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        response = await handler(request)
        conversation = request.match_info.get("conversation")
        if conversation is None or request.method not in ("POST", "PUT"):
            return response
        body = await request.json()  # already read by the handler: aiohttp keeps it
        side = "echo" if conversation.startswith(ECHO_CONVERSATION) else "bot"
        if response.status >= 300:
            self.counts[f"{side}.failed"] += 1
        elif body.get("type") == "message":
            self.counts[f"{side}.replies"] += 1
            if any(a.get("contentType") == CARD for a in body.get("attachments") or []):
                self.counts[f"{side}.cards"] += 1
            if is_apology(str(body.get("text") or "")):
                self.counts[f"{side}.apologies"] += 1
        return response

    async def _stats(self, _request: web.Request) -> web.Response:
        return web.json_response({**self.counts, "in_flight": self.fake.in_flight})

    async def _latency(self, request: web.Request) -> web.Response:
        self.fake.latency = float((await request.json())["seconds"])
        return web.json_response({"latency": self.fake.latency})


def is_apology(words: str) -> bool:
    lowered = words.lower()
    return any(word in lowered for word in APOLOGY_WORDS)


@dataclass
class Server:
    mode: str
    process: asyncio.subprocess.Process
    url: str
    log: Path

    def tail(self, lines: int = 30) -> str:
        kept = self.log.read_text(errors="replace").splitlines()[-lines:]
        return "\n".join(f"    {line}" for line in kept) or "    (empty)"


@asynccontextmanager
async def spawned(
    mode: str, log: Path, *args: str, env: dict[str, str] | None = None
) -> AsyncIterator[Server]:
    """`python -m bench.turns MODE` serving until its stdin closes (bench/fanout.py's way),
    with `env` added to its environment; its stderr goes to `log`."""
    with log.open("wb") as stderr:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bench.turns",
            mode,
            *args,
            env={**os.environ, **(env or {})},
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=stderr,
        )
    server = Server(mode, process, "", log)
    try:
        assert process.stdout is not None
        try:
            line = await asyncio.wait_for(process.stdout.readline(), STARTUP_SECONDS)
        except TimeoutError:
            line = b""
        if not line:
            raise BenchError(f"the {mode} process did not start; its log:\n{server.tail()}")
        server.url = line.decode().strip()
        yield server
    finally:
        await stop(server)


async def stop(server: Server, grace: float = 5.0) -> None:
    """Close its stdin and wait; after `grace` seconds (e.g. replies stuck on a 10 s
    connector) terminate it."""
    process = server.process
    if process.returncode is not None:
        return
    if process.stdin is not None:
        process.stdin.close()
    try:
        await asyncio.wait_for(process.wait(), grace)
    except TimeoutError:
        process.terminate()
        await process.wait()


# --- the database and its roster ---------------------------------------------------------


class BenchPostgres(databases.PostgresDatabase):
    """The test rig's PostgreSQL database (created, migrated, dropped), named for the bench."""

    def __init__(self) -> None:
        super().__init__()
        self.name = self.name.replace("pcso_test_", "pcso_bench_", 1)
        self.url = make_url(self.url).set(database=self.name).render_as_string(hide_password=False)


@asynccontextmanager
async def database(kind: str, directory: Path) -> AsyncIterator[str]:
    """A fresh database's URL; `Unavailable` if PostgreSQL cannot be reached."""
    if kind == "sqlite":
        yield f"sqlite+aiosqlite:///{directory / 'turns.db'}"
        return
    postgres = BenchPostgres()
    reason = await asyncio.to_thread(postgres.unavailable)
    if reason:
        raise Unavailable(reason)
    await asyncio.to_thread(postgres.create)
    try:
        yield postgres.url
    finally:
        await asyncio.to_thread(postgres.drop)


def aad_id(number: int) -> str:
    return f"6f1c2a3b-0bec-4000-8000-{number:012d}"


def roster_csv(members: int) -> str:
    """Teams of ten (a team leader and nine PCSOs) in three districts, a sergeant for every
    three teams, an inspector per district. Officer n's aad object id is `aad_id(n)`."""
    teams = [f"Bench Team {t:02d}" for t in range(math.ceil(members / TEAM_SIZE))]

    def district(team: int) -> str:
        return f"Bench District {team % DISTRICTS}"

    def row(collar: str, role: str, team: str, where: str, number: int) -> str:
        email = f"{collar.lower()}@police.example"
        return f"{collar},Officer {collar},{role},{team},{where},{email},{aad_id(number)},"

    lines = [",".join(roster.COLUMNS)]
    for n in range(members):
        role = "team_leader" if n % TEAM_SIZE == 0 else "pcso"
        lines.append(row(f"P{n:04d}", role, teams[n // TEAM_SIZE], district(n // TEAM_SIZE), n))
    for s, first in enumerate(range(0, len(teams), TEAMS_PER_SERGEANT)):
        supervised = ";".join(teams[first : first + TEAMS_PER_SERGEANT])
        lines.append(row(f"S{s:03d}", "sergeant", supervised, district(first), 100_000 + s))
    for d in range(DISTRICTS):
        lines.append(row(f"I{d:02d}", "inspector", "", district(d), 200_000 + d))
    return "\n".join(lines) + "\n"


async def prepare(url: str, members: int) -> tuple[str, int]:
    """Migrate, import the roster; the database's version and the number of officers."""
    engine = create_engine(url)
    try:
        await upgrade(engine)
        rows = roster.parse(roster_csv(members))
        sessions = create_sessionmaker(engine)
        async with sessions() as session, session.begin():
            await roster.apply(session, rows)
        query = "select sqlite_version()" if is_sqlite(url) else "show server_version"
        async with engine.connect() as connection:
            found = await connection.scalar(text(query))
    finally:
        await engine.dispose()
    return str(found), len(rows)


# --- talking to the bots as Teams does ---------------------------------------------------


@dataclass
class Person:
    """One officer, as a Teams user of the bot and (in a conversation of its own) of the echo."""

    bot: TeamsUser
    echo: TeamsUser
    offset: int
    picks: Counter[tuple[str, ...]] = field(default_factory=Counter)

    def pick(self, choices: tuple[str, ...]) -> str:
        """The next of `choices` for this officer: never the same twice in a row."""
        count = self.picks[choices]
        self.picks[choices] += 1
        return choices[(self.offset + count) % len(choices)]


def people(
    http: ClientSession, connector_url: str, bot: str, echo: str, count: int
) -> list[Person]:
    fake = FakeConnector(url=connector_url)  # only lends TeamsUser its service URL

    def user(n: int, url: str, conversation: str) -> TeamsUser:
        return TeamsUser(
            http=http,
            bot_url=url,
            connector=fake,
            user_id=f"29:bench-{n}",
            aad_object_id=aad_id(n),
            name=f"Officer P{n:04d}",
            conversation_id=conversation,
        )

    return [
        Person(user(n, bot, f"a:bench-{n}"), user(n, echo, f"{ECHO_CONVERSATION}{n}"), n)
        for n in range(count)
    ]


def card_submit(user: TeamsUser, answer: str) -> dict[str, Any]:
    """Action.Submit on the briefing card: a message carrying the card's data."""
    data = {"verb": VERB, "attendance": answer, "day": DAY}
    return user.activity(value=data, replyToId=f"card-{uuid.uuid4().hex[:12]}")


def card_execute(user: TeamsUser, answer: str) -> dict[str, Any]:
    """Action.Execute on the briefing card: an `adaptiveCard/action` invoke."""
    action = {"type": "Action.Execute", "verb": VERB, "data": {"attendance": answer, "day": DAY}}
    return user.activity(
        "invoke",
        name="adaptiveCard/action",
        value={"action": action},
        replyToId=f"card-{uuid.uuid4().hex[:12]}",
    )


def typed(user: TeamsUser, command: str) -> dict[str, Any]:
    return user.activity(text=command)


@dataclass(frozen=True)
class Kind:
    label: str
    build: Callable[[TeamsUser, str], dict[str, Any]]
    choices: tuple[str, ...]
    invoke: bool = False  # answered in the HTTP body, no reply through the connector
    target: tuple[float, float] | None = None  # bot/echo at p50 and at p99


SUBMIT = Kind("card submit", card_submit, ATTENDANCE, target=CARD_TARGET)
KINDS = (
    SUBMIT,
    Kind("Action.Execute", card_execute, ATTENDANCE, invoke=True, target=CARD_TARGET),
    Kind("typed command", typed, COMMANDS),
)


@dataclass(frozen=True)
class Answer:
    status: int  # 0: no answer within the timeout
    seconds: float
    body: bytes


async def post(
    http: ClientSession,
    url: str,
    activity: dict[str, Any],
    within: float = REQUEST_SECONDS,
    headers: dict[str, str] | None = None,
) -> Answer:
    """POST the activity to `url`/api/messages, timed from send to the answer's last byte."""
    started = time.perf_counter()
    try:
        async with http.post(
            f"{url}/api/messages",
            json=activity,
            headers=headers,
            timeout=ClientTimeout(total=within),
        ) as response:
            body = await response.read()
    except TimeoutError:
        return Answer(0, time.perf_counter() - started, b"")
    except ClientError as error:
        raise BenchError(f"POST {url}/api/messages failed: {error!r}") from error
    return Answer(response.status, time.perf_counter() - started, body)


@dataclass
class Rig:
    http: ClientSession
    connector: str
    bot: str
    echo: str
    people: list[Person]
    rotation: Iterator[Person]
    token: str  # the channel's, for the bot (the echo is unauthenticated: it would check a
    # token it was given against the public cloud)

    def url(self, side: str) -> str:
        return self.bot if side == "bot" else self.echo

    def headers(self, side: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if side == "bot" else {}


def build(kind: Kind, person: Person) -> tuple[dict[str, Any], dict[str, Any]]:
    """The same turn for the bot and for the echo."""
    choice = person.pick(kind.choices)
    return kind.build(person.bot, choice), kind.build(person.echo, choice)


# --- checking that nothing measured was broken -------------------------------------------


@dataclass(frozen=True)
class Tally:
    """What the connector received for one side (message activities, POST or PUT)."""

    replies: int = 0
    cards: int = 0
    apologies: int = 0
    failed: int = 0

    def minus(self, other: Tally) -> Tally:
        return Tally(*(getattr(self, f.name) - getattr(other, f.name) for f in fields(Tally)))


async def tallies(rig: Rig) -> dict[str, Tally]:
    async with rig.http.get(f"{rig.connector}/bench/stats") as response:
        counts = await response.json()
    return {
        side: Tally(*(counts.get(f"{side}.{f.name}", 0) for f in fields(Tally)))
        for side in ("bot", "echo")
    }


async def expect_replies(
    rig: Rig,
    before: dict[str, Tally],
    wanted: dict[str, int],
    where: str,
    bot_cards: int = 0,
    wait: float = REPLY_WAIT_SECONDS,
) -> None:
    """Wait (at most `wait` seconds) until the connector has `wanted` more replies per side,
    `bot_cards` of the bot's with a card; abort if they do not come, or on any apology or
    failed request."""
    deadline = time.perf_counter() + wait
    while True:
        now = await tallies(rig)
        got = {side: now[side].minus(before[side]) for side in now}
        if got["bot"].cards >= bot_cards and all(got[s].replies >= n for s, n in wanted.items()):
            break
        if time.perf_counter() > deadline:
            raise BenchError(
                f"{where}: the connector received {_said(got)}; "
                f"wanted replies {wanted}, bot cards {bot_cards}"
            )
        await asyncio.sleep(0.05)
    if any(t.apologies or t.failed for t in got.values()):
        raise BenchError(f"{where}: apologies or failed sends at the connector: {_said(got)}")


def _said(got: dict[str, Tally]) -> str:
    return ", ".join(f"{side}: {tally}" for side, tally in got.items())


def check_answers(answers: Sequence[Answer], side: str, kind: Kind | None, where: str) -> None:
    """Every answer a success; invoke answers carry a card."""
    message = kind is None or not kind.invoke
    allowed = {200, 201} if side == "echo" and message else {200}
    bad = [a for a in answers if a.status not in allowed]
    if bad:
        sample = bad[0].body[:300].decode(errors="replace")
        raise BenchError(
            f"{where}: {len(bad)} of {len(answers)} {side} answers were not {sorted(allowed)}; "
            f"first: {bad[0].status} {sample!r}"
        )
    if not message:
        for answer in answers:
            if not is_card(answer.body):
                raise BenchError(
                    f"{where}: the {side}'s invoke answer is no card: {answer.body!r:.300}"
                )


def is_card(body: bytes) -> bool:
    """An `adaptiveCard/action` answer carrying a card (not words, e.g. an apology)."""
    try:
        answer = json.loads(body)
    except ValueError:
        return False
    return isinstance(answer, dict) and answer.get("type") == CARD


# --- measuring ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    p50: float  # seconds
    p99: float
    max: float
    count: int

    @classmethod
    def of(cls, seconds: Sequence[float]) -> Figures:
        ordered = sorted(seconds)
        return cls(rank(ordered, 0.50), rank(ordered, 0.99), ordered[-1], len(ordered))


def rank(ordered: Sequence[float], quantile: float) -> float:
    """The nearest-rank percentile of sorted values."""
    return ordered[max(0, math.ceil(quantile * len(ordered)) - 1)]


async def install(rig: Rig) -> int:
    """Every officer installs the bot (so it knows their conversation); welcomes sent."""
    before = await tallies(rig)
    limit = asyncio.Semaphore(8)

    async def one(person: Person) -> Answer:
        async with limit:
            activity = person.bot.activity("installationUpdate", action="add")
            return await post(rig.http, rig.bot, activity, headers=rig.headers("bot"))

    answers = await asyncio.gather(*(one(p) for p in rig.people))
    check_answers(answers, "bot", None, "install")
    await expect_replies(rig, before, {}, "install")
    return (await tallies(rig))["bot"].replies - before["bot"].replies


async def sequential(rig: Rig, kind: Kind, rounds: int, where: str) -> tuple[Figures, Figures]:
    """`rounds` turns of `kind`, each to the bot and then to the echo."""
    before = await tallies(rig)
    timed: dict[str, list[Answer]] = {"bot": [], "echo": []}
    for _ in range(rounds):
        turns = build(kind, next(rig.rotation))
        for side, activity in zip(("bot", "echo"), turns, strict=True):
            timed[side].append(
                await post(rig.http, rig.url(side), activity, headers=rig.headers(side))
            )
    for side, answers in timed.items():
        check_answers(answers, side, kind, f"{where} {kind.label}")
    replies = 0 if kind.invoke else rounds
    cards = rounds if kind is SUBMIT else 0
    wanted = {"bot": replies, "echo": replies}
    await expect_replies(rig, before, wanted, f"{where} {kind.label}", cards)
    bot, echo = (Figures.of([a.seconds for a in timed[side]]) for side in ("bot", "echo"))
    return bot, echo


async def burst(rig: Rig, side: str, count: int, within: float = REQUEST_SECONDS) -> list[Answer]:
    """`count` card submits from as many officers, all sent at once."""
    turns = [build(SUBMIT, next(rig.rotation)) for _ in range(count)]
    activities = [bot if side == "bot" else echo for bot, echo in turns]
    return list(
        await asyncio.gather(
            *(post(rig.http, rig.url(side), a, within, rig.headers(side)) for a in activities)
        )
    )


async def concurrent(rig: Rig, side: str, count: int) -> Figures:
    before = await tallies(rig)
    answers = await burst(rig, side, count)
    where = f"{count} concurrent ({side})"
    check_answers(answers, side, SUBMIT, where)
    await expect_replies(rig, before, {side: count}, where, count if side == "bot" else 0)
    return Figures.of([a.seconds for a in answers])


@dataclass(frozen=True)
class Slow:
    side: str
    figures: Figures  # a timed-out answer counts as the timeout
    over_limit: int
    timed_out: int
    replies: str  # what was checked at the connector


async def set_latency(rig: Rig, seconds: float) -> None:
    async with rig.http.post(f"{rig.connector}/bench/latency", json={"seconds": seconds}) as r:
        r.raise_for_status()


async def slow(rig: Rig, side: str, count: int, within: float) -> Slow:
    """The burst while every connector answer takes SLOW_LATENCY seconds."""
    where = f"{count} concurrent, {SLOW_LATENCY:.0f} s connector ({side})"
    await set_latency(rig, SLOW_LATENCY)
    try:
        before = await tallies(rig)
        answers = await burst(rig, side, count, within)
        answered = [a for a in answers if a.status]
        check_answers(answered, side, SUBMIT, where)
        timed_out = len(answers) - len(answered)
        replies = f"not checked: {timed_out} answers timed out"
        if not timed_out:
            cards = count if side == "bot" else 0
            wait = SLOW_LATENCY + REPLY_WAIT_SECONDS
            await expect_replies(rig, before, {side: count}, where, cards, wait)
            replies = f"all {count} arrived"
    finally:
        await set_latency(rig, 0.0)
    over = sum(1 for a in answers if not a.status or a.seconds > SLOW_LIMIT)
    return Slow(side, Figures.of([a.seconds for a in answers]), over, timed_out, replies)


# --- one database ------------------------------------------------------------------------


@dataclass
class Run:
    database: str
    stack: str = STACKS[0]
    version: str = ""
    officers: int = 0
    welcomes: int = 0
    skipped: str = ""
    sequential: list[tuple[Kind, Figures, Figures]] = field(default_factory=list)
    concurrent: tuple[Figures, Figures] | None = None
    slow: list[Slow] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.database} {self.stack}"


@dataclass(frozen=True)
class Options:
    load: tuple[float, float, float]  # the machine's load averages when the run began
    rounds: int
    warmup: int
    officers: int
    concurrent: int
    databases: tuple[str, ...]
    stacks: tuple[str, ...]
    skip_slow: bool
    slow_timeout: float
    token_checks: int


@dataclass(frozen=True)
class Auth:
    """The local issuer and the fake Entra ID both bots use, served by this process."""

    issuer: FakeIssuer
    entra: FakeEntra

    def arguments(self) -> tuple[str, ...]:
        return ("--metadata-url", self.issuer.metadata_url)


async def run_database(
    name: str,
    sdk: str,
    options: Options,
    directory: Path,
    auth: Auth,
    echo_slow: bool,
) -> Run:
    run = Run(name, sdk)
    await asyncio.to_thread((directory / sdk).mkdir, exist_ok=True)
    try:
        async with database(name, directory / sdk) as url:
            note(f"{run.label}: migrating, importing the roster")
            run.version, run.officers = await prepare(url, options.officers)
            await measure_on(run, url, options, directory / sdk / name, auth, echo_slow)
    except Unavailable as reason:
        run.skipped = str(reason)
        note(f"{run.label}: skipped: {reason}")
    return run


async def measure_on(
    run: Run, url: str, options: Options, logs: Path, auth: Auth, echo_slow: bool
) -> None:
    await asyncio.to_thread(logs.mkdir, parents=True, exist_ok=True)
    env = auth.entra.environment()
    async with AsyncExitStack() as stack:
        bot_args = ("--database-url", url, "--teams-sdk", run.stack, *auth.arguments())
        connector, echo, bot = await asyncio.gather(
            stack.enter_async_context(spawned("connector", logs / "connector.log")),
            stack.enter_async_context(spawned("echo", logs / "echo.log")),
            stack.enter_async_context(spawned("bot", logs / "bot.log", *bot_args, env=env)),
        )
        # One channel token for every request, as Teams reuses its own for an hour.
        token = auth.issuer.token(audience=APP_ID, service_url=connector.url)
        http = await stack.enter_async_context(ClientSession(connector=TCPConnector(limit=0)))
        crowd = people(http, connector.url, bot.url, echo.url, options.officers)
        rig = Rig(http, connector.url, bot.url, echo.url, crowd, itertools.cycle(crowd), token)
        try:
            await measure_all(run, rig, options, bot, echo, echo_slow)
        except BenchError as error:
            tails = "\n".join(f"{s.mode} log:\n{s.tail()}" for s in (bot, echo, connector))
            raise BenchError(f"{run.label}: {error}\n{tails}") from error


async def measure_all(
    run: Run, rig: Rig, options: Options, bot: Server, echo: Server, echo_slow: bool
) -> None:
    note(f"{run.label}: {len(rig.people)} officers install the bot")
    run.welcomes = await install(rig)
    for kind in KINDS:
        await sequential(rig, kind, options.warmup, "warm-up")
    for kind in KINDS:
        note(f"{run.label}: {options.rounds} rounds of {kind.label}")
        bot_figures, echo_figures = await sequential(rig, kind, options.rounds, "measured")
        run.sequential.append((kind, bot_figures, echo_figures))
    note(f"{run.label}: {options.concurrent} concurrent card submits, bot then echo")
    bot_burst = await concurrent(rig, "bot", options.concurrent)
    run.concurrent = (bot_burst, await concurrent(rig, "echo", options.concurrent))
    if options.skip_slow:
        return
    note(f"{run.label}: {options.concurrent} concurrent with a {SLOW_LATENCY:.0f} s connector")
    run.slow.append(await slow(rig, "bot", options.concurrent, options.slow_timeout))
    await stop(bot, grace=0.5)  # its replies may still be queued for minutes
    if echo_slow:
        note(f"{run.label}: the same to the echo")
        run.slow.append(await slow(rig, "echo", options.concurrent, options.slow_timeout))
        await stop(echo, grace=0.5)


# --- the report --------------------------------------------------------------------------


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def verdict(met: bool) -> str:
    return "met" if met else "missed"


def settings_lines(options: Options, runs: Sequence[Run]) -> list[str]:
    members = options.officers
    teams = math.ceil(members / TEAM_SIZE)
    lines = [
        f"rounds: {options.rounds} per turn kind (after {options.warmup} of warm-up), "
        f"one to the bot then one to the echo",
        f"officers: {members} in {teams} teams of {TEAM_SIZE} (plus sergeants and inspectors), "
        f"each installed first; turns rotate over them",
        f"concurrent: {options.concurrent}; slow connector: {SLOW_LATENCY:.0f} s a request, "
        f"limit {SLOW_LIMIT:.0f} s, waited at most {options.slow_timeout:.0f} s",
        f"service clock: {NOW.isoformat()}; Python {platform.python_version()} on "
        f"{platform.machine()}, {os.cpu_count()} CPUs; botbuilder-core "
        f"{version('botbuilder-core')}, microsoft-agents-hosting-core "
        f"{version('microsoft-agents-hosting-core')}, aiohttp {version('aiohttp')}, "
        f"SQLAlchemy {version('SQLAlchemy')}",
    ]
    lines.append(f"load average (1, 5, 15 min) at start: {_load(options.load)}, at end: {_load()}")
    for run in runs:
        what = f"skipped: {run.skipped}" if run.skipped else f"version {run.version}"
        welcomes = f", {run.officers} roster rows, {run.welcomes} welcomes" if run.officers else ""
        lines.append(f"{run.label}: {what}{welcomes}")
    return lines


def _load(load: tuple[float, float, float] | None = None) -> str:
    return ", ".join(f"{value:.2f}" for value in (load or os.getloadavg()))


def sequential_lines(runs: Sequence[Run]) -> list[str]:
    lines = [
        f"{'database, SDK':<21} {'turn':<15} {'bot p50':>8} {'bot p99':>8} {'echo p50':>9} "
        f"{'echo p99':>9} {'p50 x':>6} {'p99 x':>6}  {'target':<20} verdict"
    ]
    for run in runs:
        for kind, bot, echo in run.sequential:
            p50, p99 = bot.p50 / echo.p50, bot.p99 / echo.p99
            target, met = "(none)", "-"
            if kind.target is not None:
                target = f"p50<={kind.target[0]}x p99<={kind.target[1]}x"
                met = verdict(p50 <= kind.target[0] and p99 <= kind.target[1])
            lines.append(
                f"{run.label:<21} {kind.label:<15} {ms(bot.p50):>8} {ms(bot.p99):>8} "
                f"{ms(echo.p50):>9} {ms(echo.p99):>9} {p50:>6.2f} {p99:>6.2f}  {target:<20} {met}"
            )
    return lines


def concurrent_lines(runs: Sequence[Run]) -> list[str]:
    lines = [
        f"{'database, SDK':<21} {'bot p50':>8} {'bot p99':>8} {'bot max':>8} {'echo p50':>9} "
        f"{'echo p99':>9} {'p99 x':>6}  {'target':<12} verdict"
    ]
    for run in runs:
        if run.concurrent is None:
            continue
        bot, echo = run.concurrent
        ratio = bot.p99 / echo.p99
        lines.append(
            f"{run.label:<21} {ms(bot.p50):>8} {ms(bot.p99):>8} {ms(bot.max):>8} "
            f"{ms(echo.p50):>9} {ms(echo.p99):>9} {ratio:>6.2f}  "
            f"p99<={CONCURRENT_TARGET}x{'':<4} {verdict(ratio <= CONCURRENT_TARGET)}"
        )
    return lines


def slow_lines(runs: Sequence[Run], timeout: float) -> list[str]:
    lines = [
        f"{'database, SDK':<21} {'server':<6} {'p50 s':>7} {'p99 s':>7} {'max s':>7} "
        f"{'>12 s':>6} {'no answer':>9}  {'target':<16} {'verdict':<7} replies"
    ]
    for run in runs:
        for result in run.slow:
            figures = result.figures
            met = verdict(result.over_limit == 0) if result.side == "bot" else "(ref)"
            lines.append(
                f"{run.label:<21} {result.side:<6} {seconds(figures.p50, timeout):>7} "
                f"{seconds(figures.p99, timeout):>7} {seconds(figures.max, timeout):>7} "
                f"{result.over_limit:>6} {result.timed_out:>9}  {'all <= 12 s':<16} "
                f"{met:<7} {result.replies}"
            )
    return lines


def seconds(value: float, timeout: float) -> str:
    """A time in seconds; one at the timeout is a lower bound."""
    return f">{timeout:.0f}" if value >= timeout else f"{value:.2f}"


def stack_lines(runs: Sequence[Run]) -> list[str]:
    """The agents SDK's bot over botbuilder's, per database and measure; beside it, each
    SDK's bot/echo (the echo measured in the same minutes as that SDK's bot)."""
    lines = [
        f"{'database':<11} {'measure':<26} {'agents/botbuilder':>17}  "
        f"{'botbuilder/echo':>15} {'agents/echo':>11}  {'target':<8} verdict"
    ]
    for name in dict.fromkeys(run.database for run in runs):
        by_stack = {run.stack: run for run in runs if run.database == name and not run.skipped}
        if set(by_stack) != set(STACKS):
            continue
        old, new = by_stack["botbuilder"], by_stack["agents"]
        measures: list[tuple[str, Figures, Figures, Figures, Figures, str]] = []
        for (kind, old_bot, old_echo), (_, new_bot, new_echo) in zip(
            old.sequential, new.sequential, strict=True
        ):
            for quantile in ("p50", "p99"):
                measures.append(
                    (f"{kind.label} {quantile}", old_bot, old_echo, new_bot, new_echo, quantile)
                )
        if old.concurrent and new.concurrent:
            measures.append(("concurrent p99", *old.concurrent, *new.concurrent, "p99"))
        for label, old_bot, old_echo, new_bot, new_echo, quantile in measures:
            ratio = getattr(new_bot, quantile) / getattr(old_bot, quantile)
            old_x = getattr(old_bot, quantile) / getattr(old_echo, quantile)
            new_x = getattr(new_bot, quantile) / getattr(new_echo, quantile)
            lines.append(
                f"{name:<11} {label:<26} {ratio:>17.3f}  {old_x:>15.2f} {new_x:>11.2f}  "
                f"{'<=' + str(STACK_TARGET):<8} {verdict(ratio <= STACK_TARGET)}"
            )
    return lines


def report(
    options: Options,
    runs: Sequence[Run],
    elapsed: float,
    checks: dict[str, list[float]] | None = None,
) -> None:
    print(
        "Turn benchmark: the bot on each Teams SDK against a bare botbuilder echo, over HTTP "
        "as Teams does"
    )
    for line in settings_lines(options, runs):
        print(f"  {line}")
    print("\nSequential turns (ms; x = bot/echo)")
    print("\n".join(sequential_lines(runs)))
    print(f"\n{options.concurrent} concurrent card submits (ms), fast connector")
    print("\n".join(concurrent_lines(runs)))
    if not options.skip_slow:
        slowly = f"every connector answer {SLOW_LATENCY:.0f} s"
        print(f"\n{options.concurrent} concurrent card submits, {slowly}")
        print("\n".join(slow_lines(runs, options.slow_timeout)))
    if len(options.stacks) > 1:
        print(f"\nThe SDKs side by side (target: agents/botbuilder <= {STACK_TARGET})")
        print("\n".join(stack_lines(runs)))
    if checks:
        print(f"\nThe token check alone, {options.token_checks} calls of each SDK's")
        print("\n".join(token_lines(checks)))
    print(f"\nwhole run: {elapsed:.0f} s")


# --- the token check alone ---------------------------------------------------------------


def token_checks(metadata_url: str, token: str, service_url: str, rounds: int) -> None:
    """Each SDK's `Authenticator` on the same activity and token, `rounds` calls each, the
    SDKs interleaved in blocks of 100 (so that both meet the same load); prints
    {sdk: [p50, p99]} in seconds as JSON."""
    from bot.channels.teams.activities import TeamsActivity
    from bot.channels.teams.auth import create_auth
    from bot.settings import Settings

    activity = TeamsActivity(
        {
            "type": "message",
            "id": "bench",
            "channelId": "msteams",
            "serviceUrl": service_url,
            "from": {"id": "29:bench"},
            "recipient": {"id": "28:pcso-bot"},
            "conversation": {"id": "a:bench"},
        }
    )
    header = f"Bearer {token}"

    async def run() -> dict[str, list[float]]:
        checks = {}
        for sdk in STACKS:
            settings = Settings(  # type: ignore[call-arg]
                _env_file=None,
                database_url="sqlite+aiosqlite:///:memory:",
                teams_sdk=sdk,
                app_id=APP_ID,
                app_password=SECRET,
                app_tenant_id=TENANT,
                openid_metadata_url=metadata_url,
                token_issuer="https://api.botframework.com",
            )
            checks[sdk] = create_auth(settings).authenticator
            await checks[sdk].authenticate(activity, header)  # the keys fetched once
        timed: dict[str, list[float]] = {sdk: [] for sdk in STACKS}
        for _ in range(max(1, rounds // 100)):
            for sdk, check in checks.items():
                for _ in range(100):
                    started = time.perf_counter()
                    await check.authenticate(activity, header)
                    timed[sdk].append(time.perf_counter() - started)
        return {sdk: [rank(sorted(t), 0.5), rank(sorted(t), 0.99)] for sdk, t in timed.items()}

    print(json.dumps(asyncio.run(run())), flush=True)


async def measure_token_checks(auth: Auth, rounds: int) -> dict[str, list[float]]:
    service_url = "https://smba.trafficmanager.net/uk/"
    token = auth.issuer.token(audience=APP_ID, service_url=service_url)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.turns",
        "tokens",
        "--metadata-url",
        auth.issuer.metadata_url,
        "--token",
        token,
        "--service-url",
        service_url,
        "--token-checks",
        str(rounds),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    if process.returncode != 0:
        raise BenchError(f"the token checks failed: {err.decode()[-2000:]}")
    found: dict[str, list[float]] = json.loads(out)
    return found


def token_lines(checks: dict[str, list[float]]) -> list[str]:
    old, new = checks["botbuilder"], checks["agents"]
    lines = [f"{'SDK':<11} {'p50 ms':>7} {'p99 ms':>7}"]
    for sdk, (p50, p99) in checks.items():
        lines.append(f"{sdk:<11} {p50 * 1000:>7.3f} {p99 * 1000:>7.3f}")
    ratio = new[0] / old[0]
    lines.append(
        f"agents/botbuilder at p50: {ratio:.3f}, at p99: {new[1] / old[1]:.3f} "
        f"(target <= {STACK_TARGET}: {verdict(ratio <= STACK_TARGET)})"
    )
    return lines


# --- entry point -------------------------------------------------------------------------


async def measure(options: Options) -> int:
    runs: list[Run] = []
    with tempfile.TemporaryDirectory(prefix="bench-turns-") as directory:
        where = Path(directory)
        with (
            FakeIssuer().serving() as issuer,
            FakeEntra(client_id=APP_ID, client_secret=SECRET).serving(where) as entra,
        ):
            auth = Auth(issuer, entra)
            checks = None
            if set(options.stacks) == set(STACKS) and options.token_checks:
                note(f"the token check alone, {options.token_checks} calls of each SDK's")
                try:
                    checks = await measure_token_checks(auth, options.token_checks)
                except BenchError as error:
                    print(f"\nBENCHMARK ABORTED, nothing it measured can be trusted:\n{error}")
                    return 1
            for name in options.databases:
                for sdk in options.stacks:
                    echo_slow = not any(run.slow for run in runs)
                    try:
                        runs.append(await run_database(name, sdk, options, where, auth, echo_slow))
                    except BenchError as error:
                        print(f"\nBENCHMARK ABORTED, nothing it measured can be trusted:\n{error}")
                        return 1
    report(options, runs, time.perf_counter() - STARTED, checks)
    return 0


def database_list(value: str) -> tuple[str, ...]:
    names = tuple(name.strip() for name in value.split(",") if name.strip())
    unknown = set(names) - {"sqlite", "postgresql"}
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"databases are sqlite and postgresql, not {value!r}")
    return names


def stack_list(value: str) -> tuple[str, ...]:
    names = tuple(name.strip() for name in value.split(",") if name.strip())
    unknown = set(names) - set(STACKS)
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"Teams SDKs are botbuilder and agents, not {value!r}")
    return names


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.turns",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    modes = ("measure", "connector", "echo", "bot", "tokens")
    parser.add_argument("mode", nargs="?", choices=modes, default="measure", help="(internal)")
    parser.add_argument("--rounds", type=int, default=400, help="turns of each kind (400)")
    parser.add_argument("--warmup", type=int, default=20, help="warm-up turns of each kind (20)")
    parser.add_argument("--officers", type=int, default=300, help="team members (300)")
    parser.add_argument("--concurrent", type=int, default=200, help="turns at once (200)")
    parser.add_argument(
        "--databases",
        type=database_list,
        default=("sqlite", "postgresql"),
        help="sqlite,postgresql",
    )
    parser.add_argument(
        "--stacks", type=stack_list, default=STACKS, help="Teams SDKs: botbuilder,agents"
    )
    parser.add_argument("--skip-slow", action="store_true", help="no 10 s connector runs")
    parser.add_argument(
        "--slow-timeout", type=float, default=15.0, help="wait per answer, 10 s connector (15)"
    )
    parser.add_argument("--database-url", help="(internal: the bot process's database)")
    parser.add_argument("--teams-sdk", choices=STACKS, help="(internal: the bot process's SDK)")
    parser.add_argument("--metadata-url", help="(internal: the local issuer's metadata)")
    parser.add_argument(
        "--token-checks", type=int, default=20_000, help="token checks per SDK (20000; 0: none)"
    )
    parser.add_argument("--token", help="(internal: the token the checks check)")
    parser.add_argument("--service-url", help="(internal: the activity's service URL)")
    args = parser.parse_args(argv)
    if args.concurrent > args.officers:
        parser.error("--concurrent needs as many --officers (one turn each)")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    if args.mode == "tokens":
        token_checks(args.metadata_url, args.token, args.service_url, args.token_checks)
        return 0
    if args.mode != "measure":
        logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
        factories: dict[str, Callable[[], web.Application]] = {
            "connector": lambda: TalliedConnector().app(),
            "echo": echo_app,
            "bot": lambda: bot_app(args.database_url, args.teams_sdk, args.metadata_url),
        }
        asyncio.run(serve(factories[args.mode]))
        return 0
    options = Options(
        os.getloadavg(),
        args.rounds,
        args.warmup,
        args.officers,
        args.concurrent,
        args.databases,
        args.stacks,
        args.skip_slow,
        args.slow_timeout,
        args.token_checks,
    )
    return asyncio.run(measure(options))


if __name__ == "__main__":
    sys.exit(main())
