"""Scheduled jobs as plain data: when each is due for a team, and the function that runs it.

A job function takes a `JobContext` (a session, the team, the local working day of the
occurrence, the instant it was due, the instant it runs as of, and the instant the run is
recorded by the service's clock) and records deliveries in the outbox; it never sends
anything itself and never reads the clock. The scheduler and
`pcso-bot jobs run` decide which occurrences are due with `due_occurrences`.

Most jobs run once per team: `team_job` builds those, so their functions take a
`TeamJobContext` whose team is always a Team, and their due functions take a Team
(`on_briefing_days` is the usual one). `fan_out` records one delivery per recipient.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from dialogs.calendar import at_local, is_briefing_day, local_day
from dialogs.core import Reply, WorkflowSettings
from storage import outbox

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from storage.models import Officer, Team


@dataclass(frozen=True)
class JobContext:
    """`now` is the instant the job runs as of (`jobs run --at` may choose it); `recorded_at`
    is the service clock's instant of the run, which stamps what it records."""

    session: AsyncSession
    team: Team | None
    day: date
    due_at: datetime
    now: datetime
    recorded_at: datetime
    settings: WorkflowSettings


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
class TeamJobContext:
    """A `JobContext` of a per-team job: the team is known."""

    session: AsyncSession
    team: Team
    day: date
    due_at: datetime
    now: datetime
    recorded_at: datetime
    settings: WorkflowSettings


TeamDue = Callable[["Team", date], time | None]


def team_job(
    *,
    name: str,
    run: Callable[[TeamJobContext], Awaitable[int]],
    due: TeamDue,
    grace: timedelta,
    summary: str = "",
) -> Job:
    """A job run once per team. The scheduler gives a per-team job its team, so the check
    that it did lives here once, not in every job function."""

    async def run_for_team(context: JobContext) -> int:
        if context.team is None:
            raise ValueError(f"the per-team job {name} ran without a team")
        return await run(
            TeamJobContext(
                session=context.session,
                team=context.team,
                day=context.day,
                due_at=context.due_at,
                now=context.now,
                recorded_at=context.recorded_at,
                settings=context.settings,
            )
        )

    def due_for_team(team: Team | None, day: date) -> time | None:
        return None if team is None else due(team, day)

    return Job(
        name=name, run=run_for_team, due=due_for_team, grace=grace, per_team=True, summary=summary
    )


def on_briefing_days(attribute: str) -> TeamDue:
    """Due at the team's time setting `attribute` (e.g. "bwv_time") on its briefing days."""

    def due(team: Team, day: date) -> time | None:
        if not is_briefing_day(team, day):
            return None
        at: time = getattr(team, attribute)
        return at

    return due


async def fan_out(
    context: JobContext | TeamJobContext,
    *,
    job: str,
    to: Iterable[Officer],
    reply: Reply | Callable[[Officer], Reply],
    suffix: str = "",
) -> list[Officer]:
    """Record one delivery of `reply` (or `reply(officer)`) per officer, for the context's
    team and day; the officers newly recorded (a key recorded before is not doubled)."""
    team_id = context.team.id if context.team is not None else None
    recorded = []
    for officer in to:
        message = with_summary(reply(officer) if callable(reply) else reply)
        if await outbox.enqueue(
            context.session,
            job=job,
            officer_id=officer.id,
            team_id=team_id,
            day=context.day,
            payload=message.to_dict(),
            now=context.recorded_at,
            suffix=suffix,
        ):
            recorded.append(officer)
    return recorded


def with_summary(reply: Reply) -> Reply:
    """A card sent unasked says something in the notification: its title, if it has no
    summary of its own."""
    if reply.card is None or reply.card.summary:
        return reply
    return replace(reply, card=replace(reply.card, summary=reply.card.title))


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
