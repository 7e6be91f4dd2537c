"""The bench team and its briefing-like prompt, shared by the delivery, scheduler and crash
tests (and by `bench/fanout.py`): a team of PCSOs who have all installed the bot, a job that
records one prompt per member, and the fan-out the scheduler and `pcso-bot jobs run` do.

    python -m tests.rig.fanout drive --at ISO-8601 [--clock-ahead SECONDS]

runs the prompt job once against $DATABASE_URL, as `pcso-bot jobs run` would, with the
outbox's clock that many seconds ahead of the wall clock: tests/test_crash.py kills it
mid-fan-out, then restarts it with its clock past the dead runs' leases.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock, system_clock
from bot.jobs import JobResult, run_job, standalone_outbox
from bot.settings import Settings
from dialogs.core import Action, Card, Reply, Section
from dialogs.jobs import Job, JobContext
from storage import officers, outbox
from storage.db import create_engine, create_sessionmaker
from storage.models import ConversationRef, Officer, Team

JOB = "bench-prompts"
TEAM = "Bench team"
TENANT = "bench-tenant"
BOT = {"id": "28:pcso-bot", "name": "PCSO bot"}
AT = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)  # Tuesday 08:00 GMT
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


def ahead(seconds: float) -> Clock:
    """The wall clock moved `seconds` ahead."""
    offset = timedelta(seconds=seconds)
    return lambda: system_clock() + offset


async def drive(at: datetime, clock: Clock) -> JobResult:
    settings = Settings()
    engine = create_engine(settings.database_url)
    try:
        return await fan_out(create_sessionmaker(engine), settings, at, clock)
    finally:
        await engine.dispose()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.rig.fanout", description=__doc__)
    parser.add_argument("mode", choices=("drive",))
    parser.add_argument("--at", default=AT.isoformat(), help="the instant to run the job as")
    parser.add_argument(
        "--clock-ahead",
        type=float,
        default=0.0,
        help="seconds the outbox's clock is ahead of the wall clock",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    result = asyncio.run(drive(datetime.fromisoformat(args.at), ahead(args.clock_ahead)))
    print(f"recorded={result.run.recorded} sent={result.sent} failed={result.failed}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
