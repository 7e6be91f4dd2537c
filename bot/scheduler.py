"""The in-process scheduler: APScheduler's asyncio scheduler, started and stopped with the app.

The scheduler only decides *when*. Every (job, team) pair is one APScheduler job with a
date trigger at its next occurrence, which `dialogs.jobs.next_occurrence` works out from
the team's settings on the Europe/London wall clock, so 08:00 stays 08:00 across the
clock changes. A firing runs `bot.jobs.run_job`, as `pcso-bot jobs run` does.

Catch-up sends only what is still worth sending (each job's window, `dialogs.jobs`):

* At start-up every job is caught up as of now: the most recent occurrence of each, if
  now is still within its window; a follow-up (a nudge, a repeat) is not sent in the same
  catch-up as the message it follows.
* A planner re-reads the teams every minute, so a `pcso-bot teams import` takes effect
  without a restart. For a team whose settings changed, only the jobs whose occurrence the
  change made due (moved earlier than now, or added) are caught up, within their window.
  An occurrence that was already due before the change was handled then (sent, or judged
  past its moment) and is never brought back; a change to anything else (a meeting link,
  a ratio) catches up nothing.

The planner runs every minute and logs nothing at INFO unless something changed, was
sent or failed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.delivery import Outbox
from bot.jobs import ALL_TEAMS, record_due, run_job
from bot.settings import Settings
from dialogs.jobs import Job, newly_due, next_window
from storage.models import Team

__all__ = ["ALL_TEAMS", "PLAN_EVERY", "Planned", "Scheduler", "plan", "team_settings"]

log = logging.getLogger(__name__)

PLAN_EVERY = timedelta(minutes=1)
PLANNER_ID = "plan"


@dataclass(frozen=True)
class Planned:
    """A job's next run for a team (`team` None: the job runs once for all teams)."""

    job: str
    team_id: int | None
    team: str | None
    due_at: datetime | None
    send_by: datetime | None = None  # when that occurrence's window closes

    @property
    def id(self) -> str:
        return f"{self.job}@{'all' if self.team_id is None else self.team_id}"


def plan(
    jobs: Mapping[str, Job], teams: Sequence[Team], now: datetime, zone: ZoneInfo
) -> list[Planned]:
    """The next occurrence after `now` of every job for every team, in registration order."""
    planned: list[Planned] = []
    for job in jobs.values():
        for team in teams if job.per_team else [None]:
            occurrence = next_window(job, team, now, zone)
            planned.append(
                Planned(
                    job=job.name,
                    team_id=team.id if team else None,
                    team=team.name if team else None,
                    due_at=occurrence.due_at if occurrence else None,
                    send_by=occurrence.send_by if occurrence else None,
                )
            )
    return planned


def _setting_columns() -> list[str]:
    return [
        column.key
        for column in Team.__mapper__.column_attrs
        if column.key not in ("created_at", "updated_at")
    ]


def team_settings(team: Team) -> tuple[Any, ...]:
    """What a job's timing can depend on: every column of the team but its timestamps."""
    return tuple(getattr(team, key) for key in _setting_columns())


def snapshot(team: Team) -> Team:
    """A copy of the team's settings outside any session, to compare the next plan with."""
    return Team(**{key: getattr(team, key) for key in _setting_columns()})


@dataclass(frozen=True)
class Change:
    """A team whose settings changed since the last plan (`before` None: a new team)."""

    before: Team | None
    after: Team


class Scheduler:
    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        settings: Settings,
        jobs: Mapping[str, Job],
        outbox: Outbox,
        clock: Clock,
    ) -> None:
        self._sessions = sessions
        self._settings = settings
        self._jobs = dict(jobs)
        self._outbox = outbox
        self._clock = clock
        self._scheduler = AsyncIOScheduler(timezone=settings.zone)
        self._plan_lock = asyncio.Lock()
        self._seen: dict[int, Team] | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._last_plan: datetime | None = None
        self._last_error: str | None = None

    def start(self, *, paused: bool = False) -> None:
        """Start; `paused` only plans, running nothing (tests ask it for its fire times)."""
        self._scheduler.start(paused=paused)
        if paused:
            return
        self._scheduler.add_job(
            self.replan,
            IntervalTrigger(seconds=PLAN_EVERY.total_seconds(), timezone=self._settings.zone),
            id=PLANNER_ID,
            coalesce=True,
            max_instances=1,
        )
        self._spawn(self._start_up())
        log.debug("scheduler started (%s, %d jobs)", self._settings.timezone, len(self._jobs))

    async def stop(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def settle(self) -> None:
        """Wait for the start-up and settings-change catch-ups under way."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    def next_fire_times(self) -> dict[str, datetime]:
        """When each planned (job, team) fires next, keyed `job@team id` (`job@all`)."""
        return {
            job.id: job.next_run_time
            for job in self._scheduler.get_jobs()
            if job.id != PLANNER_ID and job.next_run_time is not None
        }

    def health(self) -> dict[str, Any]:
        return {
            "running": bool(self._scheduler.running),
            "planned": len(self.next_fire_times()) if self._scheduler.running else 0,
            "last_plan": self._last_plan.isoformat() if self._last_plan else None,
            "last_error": self._last_error,
            "timezone": self._settings.timezone,
        }

    async def _start_up(self) -> None:
        """Plan from now and catch up to now, with the same instant, so nothing falls between."""
        now = self._clock()
        await self.replan(now)
        await self.catch_up(now)

    async def catch_up(
        self, now: datetime, team: str | None = None, only: Sequence[str] | None = None
    ) -> None:
        """`run_job`'s two steps for every job (or the jobs `only`, of the team) as of `now`:
        record what is due within its window, then one delivery round for all of it. What
        was recorded before is not recorded again, and a job that `follows` another is
        skipped for a team and day that this catch-up has just sent the other's message."""
        recorded = 0
        sent_for: dict[str, set[tuple[str, date]]] = {}
        for job in self._jobs.values():
            if (team is not None and not job.per_team) or (
                only is not None and job.name not in only
            ):
                continue
            try:
                run = await record_due(
                    sessions=self._sessions,
                    jobs=self._jobs,
                    settings=self._settings,
                    name=job.name,
                    now=now,
                    clock=self._clock,
                    team=team,
                    skip=sent_for.get(job.follows, set()) if job.follows else (),
                )
            except Exception:
                log.exception("catching up job %s as of %s failed", job.name, now.isoformat())
                continue
            sent_for[job.name] = run.recorded_for
            recorded += run.recorded
        if not recorded:
            return
        log.info("caught up %d missed delivery(ies) as of %s", recorded, now.isoformat())
        try:
            drained = await self._outbox.drain()
        except Exception:
            log.exception("sending what was caught up failed; the delivery worker retries")
            return
        log.info(
            "catch-up: %d sent, %d failed, %d not sent (their moment had passed)",
            drained.sent,
            drained.failed,
            drained.expired,
        )

    async def replan(self, now: datetime | None = None) -> None:
        """Plan every job's next occurrence for every team from the teams in the store."""
        now = now or self._clock()
        async with self._plan_lock:
            try:
                async with self._sessions() as session:
                    teams = (await session.scalars(select(Team).order_by(Team.name))).all()
                changes = self._changed_teams(teams)
                self._apply(plan(self._jobs, teams, now, self._settings.zone), now)
            except Exception as error:
                self._last_error = f"{type(error).__name__}: {error}"[:300]
                log.exception("planning the scheduled jobs failed; trying again in a minute")
                return
            if self._last_error is not None:
                log.info("planning the scheduled jobs works again")
            self._last_plan, self._last_error = now, None
        for change in changes:
            self._caught_up_after(change, now)

    def _caught_up_after(self, change: Change, now: datetime) -> None:
        """Catch up what the change made due (nothing that was due before it)."""
        due = [
            job.name
            for job in self._jobs.values()
            if job.per_team
            and newly_due(job, change.before, change.after, now, self._settings.zone)
        ]
        what = "is new" if change.before is None else "has new settings"
        if not due:
            log.info("team %s %s: replanned; nothing newly due", change.after.name, what)
            return
        log.info("team %s %s: replanned; catching up %s", change.after.name, what, ", ".join(due))
        self._spawn(self.catch_up(now, team=change.after.name, only=due))

    def _changed_teams(self, teams: Sequence[Team]) -> list[Change]:
        """Teams added or changed since the last plan (none on the first plan)."""
        current = {team.id: snapshot(team) for team in teams}
        before, self._seen = self._seen, current
        if before is None:
            return []
        return [
            Change(before=before.get(team.id), after=current[team.id])
            for team in teams
            if team.id not in before or team_settings(before[team.id]) != team_settings(team)
        ]

    def _apply(self, planned: list[Planned], now: datetime) -> None:
        wanted = {entry.id: entry for entry in planned}
        for job in self._scheduler.get_jobs():
            if job.id != PLANNER_ID and job.id not in wanted:
                job.remove()
        for entry in planned:
            self._schedule(entry, now)

    def _schedule(self, entry: Planned, now: datetime) -> None:
        existing = self._scheduler.get_job(entry.id)
        current = existing.next_run_time if existing is not None else None
        if current is not None and current <= now:
            return  # due this instant: it runs, and the next plan looks beyond it
        if entry.due_at is None:
            if existing is not None:
                existing.remove()
            return
        if current == entry.due_at:
            return
        window = (entry.send_by - entry.due_at) if entry.send_by else timedelta(minutes=1)
        self._scheduler.add_job(
            self._fire,
            DateTrigger(run_date=entry.due_at),
            args=(entry.job, entry.team, entry.due_at),
            id=entry.id,
            name=f"{entry.job} for {entry.team or ALL_TEAMS}",
            replace_existing=True,
            misfire_grace_time=max(1, int(window.total_seconds())),
            coalesce=True,
        )

    async def _fire(self, name: str, team: str | None, due_at: datetime) -> None:
        """What APScheduler runs at `due_at`; tracked so that `stop` can cancel it."""
        task = asyncio.current_task()
        tracked = {task} if task is not None else set()
        self._tasks |= tracked
        try:
            await self._run(name, team, max(self._clock(), due_at))
        finally:
            self._tasks -= tracked

    async def _run(self, name: str, team: str | None, now: datetime) -> None:
        try:
            result = await run_job(
                sessions=self._sessions,
                jobs=self._jobs,
                settings=self._settings,
                outbox=self._outbox,
                name=name,
                now=now,
                team=team,
            )
        except Exception:
            log.exception(
                "scheduled run of job %s for %s as of %s failed",
                name,
                team or ALL_TEAMS,
                now.isoformat(),
            )
            return
        if result.run.recorded or result.sent or result.failed or result.expired or result.left:
            log.info(
                "scheduled run of job %s for %s: %d recorded, %d sent, %d failed, "
                "%d not sent (their moment had passed), %d left for the next round",
                name,
                team or ALL_TEAMS,
                result.run.recorded,
                result.sent,
                result.failed,
                result.expired,
                result.left,
            )

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
