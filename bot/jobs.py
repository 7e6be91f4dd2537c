"""Runs scheduled jobs: the one code path for the scheduler and `pcso-bot jobs run`.

`record_due` records in the outbox what a job has due by an instant: the most recent
occurrence, if the instant is within its window (`dialogs.jobs`); `run_job` records and
then delivers. Both are safe to repeat and to run on several instances at once:
deliveries have unique keys.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import wiring
from bot.clock import Clock
from bot.delivery import Outbox, Problem
from bot.settings import Settings
from dialogs.jobs import Job, JobContext, due_occurrences
from storage.models import Team

log = logging.getLogger(__name__)

ALL_TEAMS = "all teams"


class UnknownJob(LookupError):
    pass


@dataclass
class JobRun:
    """What `record_due` did: occurrences run, deliveries recorded, the teams whose run
    failed, and the (team, day) of each occurrence that recorded a delivery."""

    job: str
    occurrences: int = 0
    recorded: int = 0
    failed_teams: list[str] = field(default_factory=list)
    recorded_for: set[tuple[str, date]] = field(default_factory=set)


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
    return found if job.per_team else [(None, ALL_TEAMS)]


async def record_due(
    *,
    sessions: async_sessionmaker[AsyncSession],
    jobs: dict[str, Job],
    settings: Settings,
    name: str,
    now: datetime,
    clock: Clock,
    team: str | None = None,
    skip: Collection[tuple[str, date]] = (),
) -> JobRun:
    """Record in the outbox every delivery of `name` due by `now` within its window,
    stamped with `clock` (the outbox's), so they are due to it at once. An occurrence whose
    (team, day) is in `skip` is not run (a catch-up skips a follow-up of what it just sent).

    Each team runs in its own transaction: a team whose run fails is logged and rolled
    back (the next run or restart catches it up) and the other teams go on.
    """
    job = jobs.get(name)
    if job is None:
        raise UnknownJob(f"unknown job {name!r}; jobs: {', '.join(sorted(jobs))}")
    run = JobRun(job=name)
    for team_id, team_name in await _teams(sessions, job, team):
        try:
            await _record_for_team(
                sessions, job, settings, (team_id, team_name), now, clock(), run, skip
            )
        except Exception:
            log.exception("job %s for %s as of %s failed", name, team_name, now.isoformat())
            run.failed_teams.append(team_name)
    log.log(
        logging.INFO if run.recorded else logging.DEBUG,
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
    team: tuple[int | None, str],
    now: datetime,
    recorded_at: datetime,
    run: JobRun,
    skip: Collection[tuple[str, date]],
) -> None:
    team_id, team_name = team
    async with sessions() as session, session.begin():
        team_row = await session.get(Team, team_id) if team_id is not None else None
        for occurrence in due_occurrences(job, team_row, now, settings.zone):
            if (team_name, occurrence.day) in skip:
                continue
            context = JobContext(
                session=session,
                team=team_row,
                day=occurrence.day,
                due_at=occurrence.due_at,
                # What is left of the window as of `now`, on the clock that sends it: a run
                # `--at` an earlier instant gets as long to send as the scheduler had then.
                send_by=recorded_at + (occurrence.send_by - now),
                now=now,
                recorded_at=recorded_at,
                settings=settings,
            )
            run.occurrences += 1
            recorded = await job.run(context)
            run.recorded += recorded
            if recorded:
                run.recorded_for.add((team_name, occurrence.day))


@dataclass
class JobResult:
    """A run and what its delivery round did: sent, failed for good, left in the outbox for
    the service to retry, not sent because their moment had passed; `problems` says which
    officer (collar number) and why, for each delivery not sent."""

    run: JobRun
    sent: int
    failed: int
    left: int = 0
    expired: int = 0
    problems: list[Problem] = field(default_factory=list)


async def run_job(
    *,
    sessions: async_sessionmaker[AsyncSession],
    jobs: dict[str, Job],
    settings: Settings,
    outbox: Outbox,
    name: str,
    now: datetime,
    team: str | None = None,
    wait_up_to: float | None = None,
) -> JobResult:
    """Record what is due by `now`, then deliver it: the scheduler's and the CLI's path.

    `wait_up_to` is passed to `Outbox.drain`: None (the scheduler) waits out every retry;
    seconds (`jobs run` without `--wait`) leave later retries to the service."""
    run = await record_due(
        sessions=sessions,
        jobs=jobs,
        settings=settings,
        name=name,
        now=now,
        clock=outbox.clock,
        team=team,
    )
    drained = await outbox.drain(wait_up_to=wait_up_to)
    return JobResult(
        run=run,
        sent=drained.sent,
        failed=drained.failed,
        left=drained.left,
        expired=drained.expired,
        problems=drained.problems,
    )


def standalone_outbox(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, clock: Clock
) -> Outbox:
    """An outbox with channels of its own (the Slack client opens a session per call), built
    as the service builds its own, for `pcso-bot jobs run` and tests."""
    return wiring.outbox(sessions, settings, clock, wiring.standalone_channels(settings))
