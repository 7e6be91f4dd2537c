"""Scheduled jobs as plain data: when each is due for a team, and the function that runs it.

A job function takes a `JobContext` (a session, the team, the local working day of the
occurrence, the instant it was due and the instant it runs as of) and records deliveries in
the outbox; it never sends anything itself and never reads the clock. The scheduler and
`pcso-bot jobs run` decide which occurrences are due with `due_occurrences`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from dialogs.calendar import at_local, local_day

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.settings import Settings
    from storage.models import Team


@dataclass(frozen=True)
class JobContext:
    session: AsyncSession
    team: Team | None
    day: date
    due_at: datetime
    now: datetime
    settings: Settings


@dataclass(frozen=True)
class Job:
    """`due(team, day)` gives the local time the job fires on that day, or None if it does not.

    `grace` is how long after its time a missed occurrence is still caught up (after a
    restart, or by `jobs run --at`). A job with `per_team=False` runs once, with team None,
    and `due(None, day)`.
    """

    name: str
    run: Callable[[JobContext], Awaitable[int]]
    due: Callable[[Team | None, date], time | None]
    grace: timedelta
    per_team: bool = True
    summary: str = ""


@dataclass(frozen=True)
class Occurrence:
    day: date
    due_at: datetime


def due_occurrences(
    job: Job, team: Team | None, now: datetime, zone: ZoneInfo
) -> Iterator[Occurrence]:
    """Occurrences due by `now` and still within their grace window, oldest first."""
    today = local_day(now, zone)
    span = max(1, job.grace.days + 1)
    for back in range(span, -1, -1):
        day = today - timedelta(days=back)
        at = job.due(team, day)
        if at is None:
            continue
        due_at = at_local(day, at, zone)
        if due_at <= now < due_at + job.grace:
            yield Occurrence(day=day, due_at=due_at)


def next_occurrence(
    job: Job, team: Team | None, after: datetime, zone: ZoneInfo, horizon_days: int = 60
) -> datetime | None:
    """The next instant strictly after `after` at which the job is due for the team."""
    start = local_day(after, zone)
    for ahead in range(horizon_days + 1):
        day = start + timedelta(days=ahead)
        at = job.due(team, day)
        if at is None:
            continue
        due_at = at_local(day, at, zone)
        if due_at > after:
            return due_at
    return None
