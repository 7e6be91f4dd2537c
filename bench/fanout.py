"""Fan-out benchmark: the 08:00 briefing prompt to thousands of officers through a fake Bot
Connector, in a process of its own, that enforces Teams' limits (50 requests a second per
tenant, 7 per conversation, 429 with Retry-After beyond them).

    python -m bench.fanout                    # 7,000 officers, then 300, a process each
    python -m bench.fanout --officers 300     # one size

For each size it prints: delivered, duplicates, 429s received, elapsed time, the ratio to
the floor (officers / 50 a second) and the peak memory of the sending process. The prompts
take the service's own path on a fresh SQLite database: a job records them in the outbox
and the outbox sends them with the Bot Framework SDK (`bot.jobs.run_job`); the elapsed
time covers both.

`python -m bench.fanout drive --at ISO-8601` runs the prompt job once against
$DATABASE_URL, as `pcso-bot jobs run` would: tests/test_crash.py kills it mid-fan-out.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import resource
import subprocess
import sys
import tempfile
import time as clock
from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from aiohttp import ClientSession, web
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock, system_clock
from bot.jobs import JobResult, run_job, standalone_outbox
from bot.settings import Settings
from dialogs.core import Action, Card, Reply, Section
from dialogs.jobs import Job, JobContext
from storage import officers, outbox
from storage.db import create_engine, create_sessionmaker
from storage.migrate import upgrade
from storage.models import ConversationRef, Officer, Team
from tests.rig.connector import FakeConnector

JOB = "bench-prompts"
TEAM = "Bench team"
TENANT = "bench-tenant"
BOT = {"id": "28:pcso-bot", "name": "PCSO bot"}
TEAMS_RATE = 50
AT = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)  # Tuesday 08:00 GMT
SIZES = (7000, 300)
ANSWERS = (
    ("In person", "in_person"),
    ("Remote", "remote"),
    ("Rest day", "rest_day"),
    ("Annual leave", "annual_leave"),
    ("Sick", "sick"),
    ("Training", "training"),
    ("Other duty", "other_duty"),
    ("Court", "court"),
)


def prompt(day_text: str) -> Reply:
    """A card the size of the real briefing prompt: details and eight one-tap answers."""
    return Reply(
        card=Card(
            title=f"Briefing at 08:00 on {day_text}",
            sections=(
                Section(
                    lines=("Led by Sgt Chris Walker. Join on Teams if you are not in person.",),
                    facts=(("Team", TEAM), ("Time", "08:00")),
                ),
            ),
            actions=tuple(
                Action(title, {"verb": "briefing.attend", "attendance": value, "day": day_text})
                for title, value in ANSWERS
            ),
            links=(("Join the briefing", "https://teams.microsoft.com/l/meetup-join/bench"),),
        )
    )


async def _record_prompts(context: JobContext) -> int:
    assert context.team is not None
    payload = prompt(context.day.isoformat()).to_dict()
    recorded = 0
    for member in await officers.members(context.session, context.team.id):
        recorded += await outbox.enqueue(
            context.session,
            job=JOB,
            officer_id=member.id,
            team_id=context.team.id,
            day=context.day,
            payload=payload,
            now=context.recorded_at,
        )
    return recorded


PROMPTS = Job(
    name=JOB,
    run=_record_prompts,
    due=lambda _team, _day: time(8, 0),
    grace=timedelta(hours=1),
    summary="the benchmark's briefing prompt",
)


def conversation_id(number: int) -> str:
    return f"a:bench-{number}"


async def seed(
    sessions: async_sessionmaker[AsyncSession], count: int, service_url: str
) -> list[str]:
    """A team of `count` PCSOs who have all installed the bot; their conversation ids."""
    async with sessions() as session, session.begin():
        team_id = await session.scalar(
            insert(Team).values(name=TEAM, district="Bench").returning(Team.id)
        )
        await session.execute(
            insert(Officer),
            [
                {
                    "collar_number": f"B{n:05d}",
                    "name": f"Bench Officer {n}",
                    "role": "pcso",
                    "team_id": team_id,
                    "district": "Bench",
                    "email": f"bench.{n}@police.example",
                    "teams_user_id": f"29:bench-{n}",
                }
                for n in range(count)
            ],
        )
        ids = dict(
            (row.collar_number, row.id)
            for row in await session.execute(select(Officer.collar_number, Officer.id))
        )
        await session.execute(
            insert(ConversationRef),
            [_reference_row(n, ids[f"B{n:05d}"], service_url) for n in range(count)],
        )
    return [conversation_id(n) for n in range(count)]


def _reference_row(number: int, officer_id: int, service_url: str) -> dict[str, object]:
    conversation = {"id": conversation_id(number), "conversationType": "personal"}
    return {
        "officer_id": officer_id,
        "channel": "msteams",
        "conversation_id": conversation["id"],
        "service_url": service_url,
        "tenant_id": TENANT,
        "reference": {
            "user": {"id": f"29:bench-{number}"},
            "bot": BOT,
            "conversation": {**conversation, "tenantId": TENANT},
            "channelId": "msteams",
            "serviceUrl": service_url,
        },
    }


async def fan_out(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, at: datetime, clock: Clock
) -> JobResult:
    """The prompt job as of `at`, as the scheduler runs it: record what is due, then deliver
    it through an outbox on `clock`."""
    return await run_job(
        sessions=sessions,
        jobs={JOB: PROMPTS},
        settings=settings,
        outbox=standalone_outbox(sessions, settings, clock),
        name=JOB,
        now=at,
    )


async def measure(count: int, directory: Path) -> str:
    """One run at `count` officers on a fresh SQLite database; the line to print.

    The fake connector runs in its own process, as Teams would be elsewhere: it judges
    the rate by when requests reach it, and the peak memory measured is the bot's own.
    """
    url = f"sqlite+aiosqlite:///{directory / f'fanout-{count}.db'}"
    engine = create_engine(url)
    await upgrade(engine)
    connector = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.fanout",
        "connector",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert connector.stdin is not None and connector.stdout is not None
    try:
        service_url = (await connector.stdout.readline()).decode().strip()
        sessions = create_sessionmaker(engine)
        await seed(sessions, count, service_url)
        settings = Settings(_env_file=None, database_url=url, app_id="")  # type: ignore[call-arg]
        started = clock.perf_counter()
        result = await fan_out(sessions, settings, AT, system_clock)
        elapsed = clock.perf_counter() - started
        async with ClientSession() as http, http.get(f"{service_url}/fake/stats") as answer:
            stats = await answer.json()
    finally:
        connector.stdin.close()
        await connector.wait()
        await engine.dispose()
    duplicates = stats["messages"] - stats["conversations"]
    floor = count / TEAMS_RATE
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return (
        f"officers={count} delivered={stats['conversations']} duplicates={duplicates} "
        f"failed={result.failed} throttled(429)={stats['throttled']} "
        f"elapsed={elapsed:.1f}s floor={floor:.1f}s ratio={elapsed / floor:.3f} "
        f"peak_memory={peak:.0f}MB"
    )


async def serve_connector() -> None:
    """The fake connector with Teams' limits, until stdin closes; prints its URL first."""
    connector = FakeConnector(tenant_limit=TEAMS_RATE, conversation_limit=7, keep_activities=False)
    runner = web.AppRunner(connector.app(), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    print(f"http://127.0.0.1:{runner.addresses[0][1]}", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    await runner.cleanup()


async def drive(at: datetime) -> JobResult:
    settings = Settings()
    engine = create_engine(settings.database_url)
    try:
        return await fan_out(create_sessionmaker(engine), settings, at, system_clock)
    finally:
        await engine.dispose()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.fanout", description=__doc__)
    parser.add_argument(
        "mode", nargs="?", choices=("measure", "drive", "connector"), default="measure"
    )
    parser.add_argument("--officers", type=int, help="one size only (default: 7000, then 300)")
    parser.add_argument("--at", default=AT.isoformat(), help="drive: the instant to run as")
    args = parser.parse_args(argv)
    if args.mode == "connector":
        asyncio.run(serve_connector())
        return 0
    if args.mode == "drive":
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
        result = asyncio.run(drive(datetime.fromisoformat(args.at)))
        print(f"recorded={result.run.recorded} sent={result.sent} failed={result.failed}")
        return 0
    if args.officers is None:
        for count in SIZES:  # a process each, so that each peak memory is its own
            subprocess.run([sys.executable, "-m", "bench.fanout", "--officers", str(count)])
        return 0
    with tempfile.TemporaryDirectory() as directory:
        print(asyncio.run(measure(args.officers, Path(directory))), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
