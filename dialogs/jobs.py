"""Scheduled jobs as plain data: when each is due for a team, how long a missed one is
still worth sending, and the function that runs it.

A job function takes a `JobContext` (a session, the team, the local working day of the
occurrence, the instant it was due, the instant its window closes, the instant it runs as
of, and the instant the run is recorded by the service's clock) and records deliveries in
the outbox; it never sends anything itself and never reads the clock. The scheduler and
`pcso-bot jobs run` decide which occurrence is due with `due_occurrences`.

Most jobs run once per team: `team_job` builds those, so their functions take a
`TeamJobContext` whose team is always a Team, and their due functions take a Team
(`on_briefing_days` is the usual one). `fan_out` records one delivery per recipient.

Catch-up windows
----------------
An occurrence is sent from its time until its window closes: `grace` after its time, cut
short by `until` (the moment the message stops being useful, e.g. when the next reminder
of the same thing is due) and always by the end of its local day. A run as of an instant
outside the window (a restart, a settings change, `jobs run --at`) sends nothing for it.
Only the most recent occurrence of a job is ever caught up (a later one supersedes it);
a follow-up (`follows`: a nudge, a second reminder) is not sent in the same catch-up as
the message it follows; and a delivery still unsent when its window closes is not sent
at all (the outbox reads the delivery's `send_by`). The windows, registered with each job (its
`grace`, `until` and `follows`), and why:

`briefing-prompts`, at the briefing time on briefing days: 1 hour. The attendance
    prompt is for the briefing; after its hour it is stale (an answer can still be typed).
`briefing-nudges`, `nudge_minutes` after the briefing time: until the review time, at most
    to the end of the briefing's hour. A nudge is only worth sending while the briefing is
    on and before the review reads the answers; never in the same catch-up as the prompt.
`bwv-reminders`, at the BWV time on briefing days: 1 hour. Footage is categorised before
    the officer goes off duty; a reminder later than that is noise.
`pcso-returns`, at the returns time (teams with PCSO returns): 30 minutes. An end-of-day
    prompt, useful only right at the end of the shift.
`tasking-reminders`, at the returns time on briefing days: 30 minutes, and never once its
    repeat is due. Once the repeat is due, only the repeat goes.
`tasking-reminders-repeat`, an hour after the returns time: 30 minutes. The one repeat,
    only shortly after its time; later, the working day is over.
`morning-review`, at the review time on briefing days: 8 hours (a shift). A summary the
    sergeant still needs later in the day.
`one-to-one-reminders`, at the review time on the month's first briefing day: 8 hours. A
    monthly summary, still useful later that day.
`inspector-rollup`, Mondays at 08:30: 8 hours. Last week's figures, still useful later
    that Monday.
`retention-purge`, daily at 02:30: the rest of the day. It deletes old data and sends
    nothing; any time that day will do.

Every window also ends at local midnight: nothing is sent for a day once it is over.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
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
    is the service clock's instant of the run, which stamps what it records; `send_by` is
    the instant on that clock when the occurrence's window closes, i.e. what is left of the
    window as of `now` (what the job records is not sent at or after it)."""

    session: AsyncSession
    team: Team | None
    day: date
    due_at: datetime
    send_by: datetime
    now: datetime
    recorded_at: datetime
    settings: WorkflowSettings


TimeOfDay = Callable[["Team | None", date], time | None]


@dataclass(frozen=True)
class Job:
    """`due(team, day)` gives the local time the job fires on that day, or None if it does not.

    A missed occurrence is caught up (after a restart, a settings change, or by
    `jobs run --at`) only within its window (the module's docstring): `grace` after its
    time, cut short by `until(team, day)` (a local time that day, when later than the due
    time) and by the end of the day. `follows` names the job this one repeats (a nudge):
    a catch-up that sends that job's message does not send this one too. A job with
    `per_team=False` runs once, with team None, and `due(None, day)`.
    """

    name: str
    run: Callable[[JobContext], Awaitable[int]]
    due: TimeOfDay
    grace: timedelta
    per_team: bool = True
    summary: str = ""
    until: TimeOfDay | None = None
    follows: str | None = None


@dataclass(frozen=True)
class TeamJobContext:
    """A `JobContext` of a per-team job: the team is known."""

    session: AsyncSession
    team: Team
    day: date
    due_at: datetime
    send_by: datetime
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
    until: TeamDue | None = None,
    follows: str | None = None,
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
                send_by=context.send_by,
                now=context.now,
                recorded_at=context.recorded_at,
                settings=context.settings,
            )
        )

    return Job(
        name=name,
        run=run_for_team,
        due=_for_team(due),
        grace=grace,
        per_team=True,
        summary=summary,
        until=_for_team(until) if until is not None else None,
        follows=follows,
    )


def _for_team(at: TeamDue) -> TimeOfDay:
    def for_team(team: Team | None, day: date) -> time | None:
        return None if team is None else at(team, day)

    return for_team


def on_briefing_days(attribute: str) -> TeamDue:
    """Due at the team's time setting `attribute` (e.g. "bwv_time") on its briefing days."""

    def due(team: Team, day: date) -> time | None:
        if not is_briefing_day(team, day):
            return None
        at: time = getattr(team, attribute)
        return at

    return due


def later_by(due: TeamDue, delay: timedelta) -> TeamDue:
    """`delay` after `due`, the same day (None if that passes midnight)."""

    def at(team: Team, day: date) -> time | None:
        first = due(team, day)
        if first is None:
            return None
        moved = datetime.combine(day, first) + delay
        return moved.time() if moved.date() == day else None

    return at


async def fan_out(
    context: JobContext | TeamJobContext,
    *,
    job: str,
    to: Iterable[Officer],
    reply: Reply | Callable[[Officer], Reply],
    suffix: str = "",
) -> list[Officer]:
    """Record one delivery of `reply` (or `reply(officer)`) per officer, for the context's
    team and day, to be sent before the occurrence's window closes; the officers newly
    recorded (a key recorded before is not doubled)."""
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
            send_by=context.send_by,
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
    """A job's occurrence on a local day: due at `due_at`, worth sending until `send_by`."""

    day: date
    due_at: datetime
    send_by: datetime


def occurrence_on(job: Job, team: Team | None, day: date, zone: ZoneInfo) -> Occurrence | None:
    """The job's occurrence on `day` for the team, with its window; None if it has none."""
    at = job.due(team, day)
    if at is None:
        return None
    due_at = at_local(day, at, zone)
    end = min(due_at + job.grace, at_local(day + timedelta(days=1), time(0), zone))
    until = job.until(team, day) if job.until is not None else None
    if until is not None:
        cut = at_local(day, until, zone)
        if cut > due_at:
            end = min(end, cut)
    return Occurrence(day=day, due_at=due_at, send_by=end)


def latest_occurrence(
    job: Job, team: Team | None, now: datetime, zone: ZoneInfo
) -> Occurrence | None:
    """The most recent occurrence due by `now` (looking back as far as a window can reach)."""
    today = local_day(now, zone)
    for back in range(job.grace.days + 2):
        occurrence = occurrence_on(job, team, today - timedelta(days=back), zone)
        if occurrence is not None and occurrence.due_at <= now:
            return occurrence
    return None


def due_occurrences(job: Job, team: Team | None, now: datetime, zone: ZoneInfo) -> list[Occurrence]:
    """What a run as of `now` sends: the most recent occurrence due by `now`, if `now` is
    still within its window; an older one is superseded by it, so never caught up."""
    occurrence = latest_occurrence(job, team, now, zone)
    return [occurrence] if occurrence is not None and now < occurrence.send_by else []


def newly_due(job: Job, before: Team | None, after: Team, now: datetime, zone: ZoneInfo) -> bool:
    """Whether a change of the team's settings from `before` (None: a new team) to `after`
    made an occurrence due by `now`, within its window, that was not yet due under the old
    settings (moved earlier, or added). An occurrence that was already due before the
    change was handled then: a change never brings it back."""
    due = due_occurrences(job, after, now, zone)
    if not due:
        return False
    old = occurrence_on(job, before, due[0].day, zone) if before is not None else None
    return old is None or old.due_at > now


def next_window(
    job: Job, team: Team | None, after: datetime, zone: ZoneInfo, horizon_days: int = 60
) -> Occurrence | None:
    """The next occurrence due strictly after `after` for the team."""
    start = local_day(after, zone)
    for ahead in range(horizon_days + 1):
        occurrence = occurrence_on(job, team, start + timedelta(days=ahead), zone)
        if occurrence is not None and occurrence.due_at > after:
            return occurrence
    return None


def next_occurrence(
    job: Job, team: Team | None, after: datetime, zone: ZoneInfo, horizon_days: int = 60
) -> datetime | None:
    """The next instant strictly after `after` at which the job is due for the team."""
    occurrence = next_window(job, team, after, zone, horizon_days)
    return occurrence.due_at if occurrence is not None else None
