"""Runs scheduled jobs: the one code path for the scheduler and `pcso-bot jobs run`."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.delivery import Outbox, TeamsSender
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


async def record_due(
    *,
    sessions: async_sessionmaker[AsyncSession],
    jobs: dict[str, Job],
    settings: Settings,
    name: str,
    now: datetime,
    team: str | None = None,
) -> JobRun:
    """Record in the outbox every delivery of `name` due by `now` within its grace window.

    Each occurrence runs in its own transaction; deliveries have unique keys, so running
    again (or on another instance) records nothing twice.
    """
    job = jobs.get(name)
    if job is None:
        raise UnknownJob(f"unknown job {name!r}; jobs: {', '.join(sorted(jobs))}")
    run = JobRun(job=name)
    async with sessions() as session:
        query = select(Team.id).order_by(Team.name)
        if team is not None:
            query = query.where(func.lower(Team.name) == team.strip().lower())
        team_ids: list[int | None] = list((await session.scalars(query)).all())
    if team is not None and not team_ids:
        raise UnknownJob(f"unknown team {team!r}")
    if not job.per_team:
        team_ids = [None]
    for team_id in team_ids:
        async with sessions() as session, session.begin():
            team_row = await session.get(Team, team_id) if team_id is not None else None
            for occurrence in due_occurrences(job, team_row, now, settings.zone):
                context = JobContext(
                    session=session,
                    team=team_row,
                    day=occurrence.day,
                    due_at=occurrence.due_at,
                    now=now,
                    settings=settings,
                )
                run.occurrences += 1
                run.recorded += await job.run(context)
    log.info(
        "job %s as of %s: %d occurrence(s), %d delivery(ies) recorded",
        name,
        now.isoformat(),
        run.occurrences,
        run.recorded,
    )
    return run


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
        sessions=sessions, jobs=jobs, settings=settings, name=name, now=now, team=team
    )
    drained = await outbox.drain()
    return JobResult(run=run, sent=drained.sent, failed=drained.failed)


def standalone_outbox(sessions: async_sessionmaker[AsyncSession], settings: Settings) -> Outbox:
    """An outbox with its own Bot Framework adapter, for `pcso-bot jobs run` and tests."""
    adapter = CloudAdapter(ConfigurationBotFrameworkAuthentication(settings.bot_framework_config()))
    return Outbox(
        sessions=sessions, sender=TeamsSender(adapter=adapter, settings=settings), settings=settings
    )
