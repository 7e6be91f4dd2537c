"""Runs scheduled jobs: the one code path for the scheduler and `pcso-bot jobs run`.

`record_due` records in the outbox what a job has due by an instant, missed occurrences
within their grace window included; `run_job` records and then delivers. Both are safe to
repeat and to run on several instances at once: deliveries have unique keys.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import wiring
from bot.clock import Clock
from bot.delivery import Outbox
from bot.settings import Settings
from dialogs.jobs import Job, JobContext, due_occurrences
from storage.models import Team

log = logging.getLogger(__name__)


class UnknownJob(LookupError):
    pass


@dataclass
class JobRun:
    job: str
    occurrences: int = 0
    recorded: int = 0
    failed_teams: list[str] = field(default_factory=list)


async def _teams(
    sessions: async_sessionmaker[AsyncSession], job: Job, team: str | None
) -> list[tuple[int | None, str]]:
    """(id, name) of the teams the job runs for; (None, "all teams") for a job run once."""
    async with sessions() as session:
        query = select(Team.id, Team.name).order_by(Team.name)
        if team is not None:
            query = query.where(func.lower(Team.name) == team.strip().lower())
        found: list[tuple[int | None, str]] = [
            (row.id, row.name) for row in await session.execute(query)
        ]
    if team is not None and not found:
        raise UnknownJob(f"unknown team {team!r}")
    return found if job.per_team else [(None, "all teams")]


async def record_due(
    *,
    sessions: async_sessionmaker[AsyncSession],
    jobs: dict[str, Job],
    settings: Settings,
    name: str,
    now: datetime,
    clock: Clock,
    team: str | None = None,
) -> JobRun:
    """Record in the outbox every delivery of `name` due by `now` within its grace window,
    stamped with `clock` (the outbox's), so they are due to it at once.

    Each team runs in its own transaction: a team whose run fails is logged and rolled
    back (the next run or restart catches it up) and the other teams go on.
    """
    job = jobs.get(name)
    if job is None:
        raise UnknownJob(f"unknown job {name!r}; jobs: {', '.join(sorted(jobs))}")
    run = JobRun(job=name)
    for team_id, team_name in await _teams(sessions, job, team):
        try:
            await _record_for_team(sessions, job, settings, team_id, now, clock(), run)
        except Exception:
            log.exception("job %s for %s as of %s failed", name, team_name, now.isoformat())
            run.failed_teams.append(team_name)
    log.info(
        "job %s as of %s: %d occurrence(s), %d delivery(ies) recorded",
        name,
        now.isoformat(),
        run.occurrences,
        run.recorded,
    )
    return run


async def _record_for_team(
    sessions: async_sessionmaker[AsyncSession],
    job: Job,
    settings: Settings,
    team_id: int | None,
    now: datetime,
    recorded_at: datetime,
    run: JobRun,
) -> None:
    async with sessions() as session, session.begin():
        team_row = await session.get(Team, team_id) if team_id is not None else None
        for occurrence in due_occurrences(job, team_row, now, settings.zone):
            context = JobContext(
                session=session,
                team=team_row,
                day=occurrence.day,
                due_at=occurrence.due_at,
                now=now,
                recorded_at=recorded_at,
                settings=settings,
            )
            run.occurrences += 1
            run.recorded += await job.run(context)


@dataclass
class JobResult:
    run: JobRun
    sent: int
    failed: int


async def run_job(
    *,
    sessions: async_sessionmaker[AsyncSession],
    jobs: dict[str, Job],
    settings: Settings,
    outbox: Outbox,
    name: str,
    now: datetime,
    team: str | None = None,
) -> JobResult:
    """Record what is due by `now`, then deliver it: the scheduler's and the CLI's path."""
    run = await record_due(
        sessions=sessions,
        jobs=jobs,
        settings=settings,
        name=name,
        now=now,
        clock=outbox.clock,
        team=team,
    )
    drained = await outbox.drain()
    return JobResult(run=run, sent=drained.sent, failed=drained.failed)


def standalone_outbox(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, clock: Clock
) -> Outbox:
    """An outbox with channels of its own (the Slack client opens a session per call), built
    as the service builds its own, for `pcso-bot jobs run` and tests."""
    return wiring.outbox(sessions, settings, clock, wiring.standalone_channels(settings))
