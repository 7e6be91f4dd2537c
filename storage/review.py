"""What a sergeant's morning review is built from.

`build_review` reads one team's day with a fixed number of queries, each on an index that
starts with (team_id, day) or with the officer's id, so its cost follows the size of the
team and never the length of the history (`bench/review.py` measures it). The loaders here
are shared with `storage.periods`.

Which days matter (today, the previous briefing day, the last three briefing days) is the
calendar's business: the caller passes them in.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import officers, supervision
from storage.models import (
    MEMBER_ROLES,
    AttendanceAnswer,
    BwvAnswer,
    Officer,
    PcsoReturn,
    ReviewRead,
    Role,
    Supervision,
    Team,
)
from storage.officer_day import away_days, is_on_duty, latest_answers
from storage.supervision import Outcome, ReturnView, TaskView


@dataclass(frozen=True)
class Person:
    id: int
    collar: str
    name: str

    @property
    def label(self) -> str:
        return f"{self.name} ({self.collar})"


def person(officer: Officer) -> Person:
    return Person(officer.id, officer.collar_number, officer.name)


@dataclass(frozen=True)
class ReviewDays:
    """`day` is reviewed; `previous` is the briefing day whose work is reported; `recent`
    are the last three briefing days up to `day`, for "no answers three days running"."""

    day: date
    previous: date | None
    recent: tuple[date, ...]
    briefing_today: bool


@dataclass(frozen=True)
class TaskLine:
    position: int
    description: str
    reference: str | None
    assignees: tuple[Person, ...]
    outcome: Outcome | None


@dataclass(frozen=True)
class Flags:
    unreachable: tuple[tuple[Person, datetime, str | None], ...] = ()
    silent: tuple[Person, ...] = ()
    need_help: tuple[Person, ...] = ()
    overdue: tuple[tuple[Person, date | None], ...] = ()
    vulnerable_team: int = 0
    vulnerable_pcsos: tuple[tuple[Person, int], ...] = ()
    no_sergeant: bool = False
    overloaded: tuple[tuple[Person, int], ...] = ()

    def any(self) -> bool:
        return bool(
            self.unreachable
            or self.silent
            or self.need_help
            or self.overdue
            or self.vulnerable_team
            or self.vulnerable_pcsos
            or self.no_sergeant
            or self.overloaded
        )


@dataclass(frozen=True)
class Review:
    team: Team
    days: ReviewDays
    attendance: dict[str, tuple[Person, ...]]
    away: dict[str, tuple[Person, ...]]
    no_answer: tuple[Person, ...]
    tasks: tuple[TaskLine, ...]
    returns: ReturnView | None
    returns_by: Person | None
    pcso_returns: tuple[tuple[Person, PcsoReturn], ...]
    pcso_returns_missing: tuple[Person, ...]
    bwv: dict[str, tuple[Person, ...]]
    bwv_no_answer: tuple[Person, ...]
    flags: Flags
    reads: tuple[tuple[Person, datetime], ...]
    members: tuple[Person, ...] = ()
    late: dict[int, datetime] = field(default_factory=dict)

    @property
    def returns_missing(self) -> bool:
        """A previous briefing day whose team returns never arrived (with members to send them)."""
        return self.days.previous is not None and self.returns is None and bool(self.members)

    @property
    def outstanding(self) -> tuple[TaskLine, ...]:
        return tuple(t for t in self.tasks if t.outcome is None or t.outcome.outcome != "done")

    @property
    def nothing_to_report(self) -> bool:
        """Nothing recorded and nothing owed: a missing answer or return is something to report."""
        recorded = (
            self.attendance
            or self.away
            or self.tasks
            or self.returns
            or self.pcso_returns
            or self.bwv
        )
        missing = (
            self.no_answer
            or self.bwv_no_answer
            or self.pcso_returns_missing
            or self.returns_missing
        )
        return not recorded and not missing and not self.flags.any()


# --- loading -----------------------------------------------------------------------------


async def _people(session: AsyncSession, ids: Collection[int]) -> dict[int, Person]:
    if not ids:
        return {}
    rows = await session.scalars(select(Officer).where(Officer.id.in_(list(ids))))
    return {o.id: person(o) for o in rows}


async def _sergeant_loads(session: AsyncSession, sergeant_ids: Sequence[int]) -> dict[int, int]:
    """Sergeant id → active PCSOs (and team leaders) across every team they supervise."""
    if not sergeant_ids:
        return {}
    rows = await session.execute(
        select(Supervision.sergeant_id, func.count(func.distinct(Officer.id)))
        .join(Officer, Officer.team_id == Supervision.team_id)
        .where(
            Supervision.sergeant_id.in_(list(sergeant_ids)),
            Officer.active.is_(True),
            Officer.role.in_(MEMBER_ROLES),
        )
        .group_by(Supervision.sergeant_id)
    )
    return {sergeant_id: count for sergeant_id, count in rows}


async def reads(session: AsyncSession, team_id: int, day: date) -> list[tuple[Person, datetime]]:
    rows = await session.execute(
        select(Officer, ReviewRead.read_at)
        .join(ReviewRead, ReviewRead.officer_id == Officer.id)
        .where(ReviewRead.team_id == team_id, ReviewRead.day == day)
        .order_by(ReviewRead.read_at)
    )
    return [(person(o), at) for o, at in rows]


def joined_on(officer: Officer, zone: ZoneInfo) -> date:
    return officer.created_at.astimezone(zone).date()


# --- the morning review ------------------------------------------------------------------


@dataclass
class LoadedDays:
    """A team's answers and absences on some days, keyed (officer id, day)."""

    members: Sequence[Officer]
    attendance: dict[tuple[int, date], AttendanceAnswer]
    away: dict[tuple[int, date], str]
    bwv: dict[tuple[int, date], BwvAnswer] = field(default_factory=dict)
    pcso: dict[tuple[int, date], PcsoReturn] = field(default_factory=dict)


async def build_review(
    session: AsyncSession, team: Team, days: ReviewDays, zone: ZoneInfo
) -> Review:
    loaded = await _load_days(session, team, days)
    tasks, returns = await _previous_work(session, team.id, days.previous)
    sergeants = await officers.sergeants_of(session, team.id)
    people = {p.id: person(p) for p in (*loaded.members, *sergeants)}
    referenced = {i for t in tasks for i in t.assignee_ids}
    if returns is not None and returns.submitted_by_id is not None:
        referenced.add(returns.submitted_by_id)
    people.update(await _people(session, referenced - people.keys()))
    today = _attendance_today(loaded, days.day, days.briefing_today)
    previous = _previous_day(team, loaded, days.previous)
    return Review(
        team=team,
        days=days,
        attendance=today.answered,
        away=today.away,
        no_answer=today.no_answer,
        tasks=tuple(_task_line(t, returns, people) for t in tasks),
        returns=returns,
        returns_by=people.get(returns.submitted_by_id or 0) if returns else None,
        pcso_returns=previous.pcso_returns,
        pcso_returns_missing=previous.pcso_returns_missing,
        bwv=previous.bwv,
        bwv_no_answer=previous.bwv_no_answer,
        flags=await _flags(session, team, days, loaded, sergeants, returns, zone),
        reads=tuple(await reads(session, team.id, days.day)),
        members=tuple(person(m) for m in loaded.members),
        late=today.late,
    )


async def _load_days(session: AsyncSession, team: Team, days: ReviewDays) -> LoadedDays:
    """Members, and their answers and absences on the days the review looks at."""
    members = await officers.members(session, team.id)
    wanted = {days.day, *days.recent, *([days.previous] if days.previous else [])}
    loaded = LoadedDays(
        members=members,
        attendance=await latest_answers(
            session, AttendanceAnswer, min(wanted), max(wanted), team_id=team.id
        ),
        away=await away_days(session, [m.id for m in members], wanted),
    )
    if days.previous is not None:
        prev = days.previous
        loaded.bwv = await latest_answers(session, BwvAnswer, prev, prev, team_id=team.id)
        loaded.pcso = await latest_answers(session, PcsoReturn, prev, prev, team_id=team.id)
    return loaded


async def _previous_work(
    session: AsyncSession, team_id: int, day: date | None
) -> tuple[list[TaskView], ReturnView | None]:
    if day is None:
        return [], None
    tasks = await supervision.day_tasks(session, team_id, day)
    return tasks, await supervision.latest_return(session, team_id, day)


@dataclass
class _Today:
    answered: dict[str, tuple[Person, ...]] = field(default_factory=dict)
    away: dict[str, tuple[Person, ...]] = field(default_factory=dict)
    no_answer: tuple[Person, ...] = ()
    late: dict[int, datetime] = field(default_factory=dict)


def _attendance_today(loaded: LoadedDays, day: date, briefing_today: bool) -> _Today:
    """Answers (late ones marked), absences, and, on a briefing day, who has not answered."""
    today = _Today()
    for member in loaded.members:
        answer = loaded.attendance.get((member.id, day))
        reason = loaded.away.get((member.id, day))
        if answer is not None:
            _append(today.answered, answer.attendance, person(member))
            if answer.late:
                today.late[member.id] = answer.answered_at
        elif reason is not None:
            _append(today.away, reason, person(member))
        elif briefing_today:
            today.no_answer += (person(member),)
    return today


def _append(groups: dict[str, tuple[Person, ...]], key: str, who: Person) -> None:
    groups[key] = (*groups.get(key, ()), who)


def on_duty(loaded: LoadedDays, officer_id: int, day: date) -> bool:
    """`officer_day.is_on_duty` for loaded days."""
    key = (officer_id, day)
    return is_on_duty(loaded.attendance.get(key), away=key in loaded.away)


@dataclass
class _Previous:
    bwv: dict[str, tuple[Person, ...]] = field(default_factory=dict)
    bwv_no_answer: tuple[Person, ...] = ()
    pcso_returns: tuple[tuple[Person, PcsoReturn], ...] = ()
    pcso_returns_missing: tuple[Person, ...] = ()


def _previous_day(team: Team, loaded: LoadedDays, day: date | None) -> _Previous:
    """BWV answers and PCSO returns of the previous briefing day, and who owes them."""
    previous = _Previous()
    if day is None:
        return previous
    for member in loaded.members:
        key, who = (member.id, day), person(member)
        duty = on_duty(loaded, member.id, day)
        answer = loaded.bwv.get(key)
        if answer is not None:
            _append(previous.bwv, answer.bwv_status, who)
        elif duty:
            previous.bwv_no_answer += (who,)
        if key in loaded.pcso:
            previous.pcso_returns += ((who, loaded.pcso[key]),)
        elif duty and team.pcso_returns and member.role == Role.PCSO.value:
            previous.pcso_returns_missing += (who,)
    return previous


def _task_line(task: TaskView, returns: ReturnView | None, people: dict[int, Person]) -> TaskLine:
    return TaskLine(
        position=task.position,
        description=task.description,
        reference=task.reference,
        assignees=tuple(people[i] for i in task.assignee_ids if i in people),
        outcome=returns.outcomes.get(task.id) if returns else None,
    )


async def _flags(
    session: AsyncSession,
    team: Team,
    days: ReviewDays,
    loaded: LoadedDays,
    sergeants: Sequence[Officer],
    returns: ReturnView | None,
    zone: ZoneInfo,
) -> Flags:
    members = loaded.members
    last_held = await supervision.last_one_to_ones(session, [m.id for m in members], days.day)
    loads = await _sergeant_loads(session, [s.id for s in sergeants])
    prev = days.previous
    return Flags(
        unreachable=tuple(
            (person(m), m.unreachable_since, m.unreachable_reason)
            for m in members
            if m.unreachable_since is not None
        ),
        silent=tuple(person(m) for m in members if _silent(loaded, m, days.recent, zone)),
        need_help=tuple(
            person(m)
            for m in members
            if prev and getattr(loaded.bwv.get((m.id, prev)), "bwv_status", "") == "need_help"
        ),
        overdue=tuple(
            (person(m), last_held.get(m.id))
            for m in members
            if supervision.is_overdue(last_held.get(m.id), joined_on(m, zone), days.day)
        ),
        vulnerable_team=returns.counts["vulnerable_engagements"] if returns else 0,
        vulnerable_pcsos=tuple(
            (person(m), row.vulnerable_engagements)
            for m in members
            if prev
            and (row := loaded.pcso.get((m.id, prev))) is not None
            and row.vulnerable_engagements > 0
        ),
        no_sergeant=not sergeants,
        overloaded=tuple(
            (person(s), loads.get(s.id, 0))
            for s in sergeants
            if loads.get(s.id, 0) > team.supervision_ratio
        ),
    )


def _silent(loaded: LoadedDays, member: Officer, recent: Sequence[date], zone: ZoneInfo) -> bool:
    """No briefing answer on each of the last three briefing days, and not away on any."""
    if len(recent) < 3 or joined_on(member, zone) > min(recent):
        return False
    return all(
        (member.id, day) not in loaded.attendance and (member.id, day) not in loaded.away
        for day in recent
    )
