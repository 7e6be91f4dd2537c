"""The parts workflows contribute to the shared views: the morning review, the figures over a
period (one-to-one preparation, the weekly roll-up), `my week` and the twelve weeks of
trends of the supervision tab.

A workflow registers a loader with its router (`router.review_section`,
`router.period_section`, `router.my_week_section`, `router.trend_section`); the view calls
every loader with one context and puts the parts together in their registered order. Each
loader runs a fixed number of indexed queries, so a view's cost follows the number of
workflows and the size of the team, never the length of the history. Parts say what they
know about absences (`presence`, `days_off`), and the view hands every part the combined
`Presence` (or `DaysOff`) before it renders.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Date,
    Select,
    and_,
    bindparam,
    case,
    false,
    func,
    literal,
    not_,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Executable

from dialogs.core import Section
from dialogs.people import Person, joined_on, people, person
from dialogs.presence import Presence
from storage.lists import DATES, INTEGERS, PAIRS, one_of, pair_of
from storage.models import Officer, Team

# --- the morning review ------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewDays:
    """`day` is reviewed; `previous` is the briefing day whose work is reported. (Who has
    not answered several days running is a signal: `dialogs.signals`.)"""

    day: date
    previous: date | None
    briefing_today: bool

    @property
    def wanted(self) -> set[date]:
        return {self.day, *([self.previous] if self.previous else [])}


@dataclass
class ReviewContext:
    """One team's review: members and sergeants are read once by the view. `signalled`
    are the officers a part already reports under a heading (`SIGNALLED_SILENT`: silent
    several briefing days running, up to today; `SIGNALLED_NEED_HELP`: asked for BWV help
    on several days, the previous briefing day among them), so other parts need not list
    them again."""

    session: AsyncSession
    team: Team
    days: ReviewDays
    zone: ZoneInfo
    members: Sequence[Officer]
    sergeants: Sequence[Officer]
    presence: Presence = field(default_factory=Presence)
    signalled: Mapping[str, frozenset[int]] = field(default_factory=dict)

    async def people(self, ids: Collection[int]) -> dict[int, Person]:
        """Members and sergeants as known; anyone else in one query."""
        known = {p.id: person(p) for p in (*self.members, *self.sergeants)}
        return known | await people(self.session, set(ids) - known.keys())


# How urgent each kind of "Needs your attention" line is: the review lists them in this
# order (a part's plain `attention` lines come at OTHER).
UNREACHABLE, SILENT, NEED_HELP, RETURNS_MISSING, TASKS_NOT_DONE = 10, 20, 30, 40, 45
NOT_ANSWERED, OTHER, ONE_TO_ONES, VULNERABLE, SUPERVISION = 50, 55, 60, 70, 80
SIGNALLED_SILENT, SIGNALLED_NEED_HELP = "silent", "need_help"


class ReviewPart:
    """One workflow's part of a review; by default it shows and flags nothing."""

    def presence(self) -> Presence:
        return Presence()

    def signalled(self, review: ReviewContext) -> Mapping[str, frozenset[int]]:
        """Officers this part reports, by what (see `ReviewContext.signalled`)."""
        return {}

    def attention(self, review: ReviewContext) -> Sequence[str]:
        """Lines for "Needs your attention"."""
        return ()

    def flags(self, review: ReviewContext) -> Sequence[tuple[int, str]]:
        """(urgency, line) for "Needs your attention": by default the `attention` lines."""
        return [(OTHER, line) for line in self.attention(review)]

    def tally(self, review: ReviewContext) -> str | None:
        """A few words for the review's one-line tally, e.g. "briefing 7 of 10 answered"."""
        return None

    def sections(self, review: ReviewContext) -> Sequence[Section]:
        return ()

    def reports(self, review: ReviewContext) -> bool:
        """Whether something was recorded, or is owed: a missing answer is worth reporting."""
        return False

    def counts(self, review: ReviewContext) -> Sequence[tuple[str, Mapping[str, int]]]:
        """(whose, the five counts) of the returns this part holds, labelled for the card."""
        return ()


ReviewLoad = Callable[[ReviewContext], Awaitable[ReviewPart]]


@dataclass(frozen=True)
class ReviewSection:
    order: int
    name: str
    load: ReviewLoad


# --- figures over a period ---------------------------------------------------------------


@dataclass
class PeriodContext:
    """A team's briefing days in a period, as of `today` (one-to-ones overdue by then)."""

    session: AsyncSession
    team: Team
    members: Sequence[Officer]
    days: Sequence[date]
    zone: ZoneInfo
    today: date
    presence: Presence = field(default_factory=Presence)

    @property
    def first(self) -> date:
        return min(self.days)

    @property
    def last(self) -> date:
        return max(self.days)

    def days_of(self, member: Officer) -> list[date]:
        """The period's briefing days since the member joined the roster."""
        since = joined_on(member, self.zone)
        return [day for day in self.days if day >= since]


class PeriodPart:
    """One workflow's figures over a period; by default none."""

    def presence(self) -> Presence:
        return Presence()

    def officer(self, member: Officer, period: PeriodContext) -> str | None:
        """A phrase for the officer's one-to-one preparation line."""
        return None

    def team(self, period: PeriodContext) -> Sequence[tuple[str, str]]:
        """(label, value) facts for the team in the weekly roll-up."""
        return ()


PeriodLoad = Callable[[PeriodContext], Awaitable[PeriodPart]]


@dataclass(frozen=True)
class PeriodSection:
    order: int
    load: PeriodLoad


# --- my week -----------------------------------------------------------------------------


@dataclass(frozen=True)
class MyWeekContext:
    session: AsyncSession
    officer_id: int
    first: date
    last: date
    zone: ZoneInfo


class MyWeekPart:
    def describe(self, day: date) -> Sequence[str]:
        """What the officer recorded on the day, as short phrases."""
        return ()


MyWeekLoad = Callable[[MyWeekContext], Awaitable[MyWeekPart]]


@dataclass(frozen=True)
class MyWeekSection:
    order: int
    load: MyWeekLoad


# --- trends over twelve weeks (the supervision tab) --------------------------------------

TREND_WEEKS = 12
ATTENDANCE_CHART, RATES_CHART, VULNERABLE_CHART = "attendance", "rates", "vulnerable"
"""The charts a trend series is drawn in: briefing attendance by answer (stacked bars), the
rates (lines) and vulnerable contacts (bars)."""


@dataclass(frozen=True)
class TrendWeeks:
    """Twelve Monday-started weeks in the force's zone, the last one holding `today`. The
    figures count the days from `first` to `last`, the day before `today`: today's answers
    are still coming in (BWV and returns in the afternoon, briefing answers may change until
    the review), and the day's review shows them."""

    first: date
    last: date
    count: int = TREND_WEEKS

    @property
    def mondays(self) -> tuple[date, ...]:
        return tuple(self.first + timedelta(weeks=n) for n in range(self.count))

    def index(self, day: date) -> int:
        return (day - self.first).days // 7


@dataclass(frozen=True)
class Tally:
    """A week's (or the window's) figure: a count, or a count out of what was due (`of`)."""

    count: int
    of: int | None = None

    @property
    def share(self) -> float | None:
        """The rate from 0 to 1, or None for a count or when nothing was due."""
        return self.count / self.of if self.of else None

    def __add__(self, other: Tally) -> Tally:
        of = None if self.of is None and other.of is None else (self.of or 0) + (other.of or 0)
        return Tally(self.count + other.count, of)


def total(tallies: Iterable[Tally]) -> Tally:
    """The tallies added up (as `+` adds two, without a `Tally` made for each step)."""
    found = list(tallies)
    of = [t.of for t in found if t.of is not None]
    return Tally(sum(t.count for t in found), sum(of) if of else None)


@dataclass(frozen=True)
class Series:
    """One line, bar or stacked segment of a chart: a tally per week."""

    chart: str
    key: str
    label: str
    weeks: tuple[Tally, ...]

    @property
    def total(self) -> Tally:
        return total(self.weeks)


@dataclass(frozen=True)
class Cell:
    """A column of the per-PCSO table: the twelve weeks' figure, and each week's."""

    key: str
    label: str
    weeks: tuple[Tally, ...]

    @property
    def total(self) -> Tally:
        return total(self.weeks)


@dataclass(frozen=True)
class TrendScope:
    """Whose figures: the teams', or one officer's in their team."""

    team_ids: frozenset[int]
    officer_id: int | None = None

    def has(self, team_id: int, officer_id: int | None = None) -> bool:
        if team_id not in self.team_ids:
            return False
        return self.officer_id is None or officer_id == self.officer_id


Key = tuple[int, int]
"""Whose figures a trend row holds: (team id, officer id), or (team id, 0) for a whole team
when the figures are kept per team (`TrendContext.by_officer` false)."""
TEAM = 0
Weekly = Mapping[tuple[int, int, int], int]
"""(team id, officer id or 0, week) → a number of days."""


@dataclass(frozen=True)
class DaysOff:
    """Briefing days members were not on duty, per key and week: `planned` (away periods)
    and `said` (an answer of sick, rest day...) on days no planned absence covers, so that
    no day is counted twice."""

    planned: Weekly = field(default_factory=dict)
    said: Weekly = field(default_factory=dict)

    def of(self, key: Key, week: int) -> int:
        found = (*key, week)
        return self.planned.get(found, 0) + self.said.get(found, 0)

    @staticmethod
    def combined(parts: Iterable[DaysOff]) -> DaysOff:
        planned: dict[tuple[int, int, int], int] = {}
        said: dict[tuple[int, int, int], int] = {}
        for part in parts:
            for into, found in ((planned, part.planned), (said, part.said)):
                for key, days in found.items():
                    into[key] = into.get(key, 0) + days
        return DaysOff(planned, said)


AbsenceClause = Callable[[Any], ColumnElement[bool]]
"""Given a table of daily answers (its `officer_id`, `team_id` and `day` columns), SQL true
where the officer said they were not on duty that day: the rule of an absence source (see
`dialogs.presence`) in SQL, so a trend can count on-duty days without loading them."""
AwayDays = Mapping[int, frozenset[date]]
"""Officer id → the briefing days of the window they were booked away (since they joined)."""
AwayLoad = Callable[["TrendContext"], Awaitable[AwayDays]]
AwayRanges = Callable[["TrendShape"], Any]
"""A subquery of the members' booked periods overlapping the window: `officer_id`,
`first_day`, `last_day` (the same periods as `AwayLoad` reads), with the values bound as
`TrendShape` names them."""


@dataclass(frozen=True)
class TrendShape:
    """What a trend's SQL depends on besides values: a part's statements are built once per
    shape (`built`) and every value (the teams, the window, the members, the days) is bound
    when they run (`TrendContext.params`), so a page does not build and compile its
    statements again. A statement built from a shape names its values with these
    parameters only; anything else it needs is a constant."""

    by_officer: bool
    weeks: int
    members: bool
    joiners: int
    calendars: int
    absences: tuple[AbsenceClause, ...]
    away_ranges: tuple[AwayRanges, ...]

    @staticmethod
    def first() -> BindParameter[date]:
        return bindparam("trend_first", type_=Date)

    @staticmethod
    def last() -> BindParameter[date]:
        return bindparam("trend_last", type_=Date)

    @staticmethod
    def of_teams(team_id: Any) -> ColumnElement[bool]:
        """SQL true where a team id column is one of the teams'."""
        return one_of(team_id, bindparam("trend_teams", type_=INTEGERS))

    @staticmethod
    def of_members(officer_id: Any) -> ColumnElement[bool]:
        """SQL true where an officer id column is one of the members'."""
        return one_of(officer_id, bindparam("trend_member_ids", type_=INTEGERS))

    def in_window(self, day: Any) -> ColumnElement[bool]:
        return and_(day >= self.first(), day <= self.last())

    def scope(self, table: Any) -> ColumnElement[bool]:
        """The rows of the teams' members now, each in the team they are in (a row an
        officer left in another team is not theirs here), in the window, none from before
        the officer joined the roster.

        Per member, the members' rows in any of the teams: a row a member left in another
        of the teams comes back under (that team, the member), a key nobody reads (a part
        reads the keys of `TrendContext.keys`, the members in their own team). That spares
        PostgreSQL the list of (team, member) pairs, an OR of a hundred pairs that it plans
        again on every run (3 ms for a district, against 0.5 ms to run). Per team, the
        rows are summed in SQL, so the pairs are tested there."""
        joiners = [
            and_(
                table.officer_id == bindparam(f"trend_joiner_{n}"),
                table.day < bindparam(f"trend_since_{n}", type_=Date),
            )
            for n in range(self.joiners)
        ]
        members: ColumnElement[bool] = false()
        if self.members and self.by_officer:
            members = self.of_members(table.officer_id)
        elif self.members:
            pairs = bindparam("trend_members", type_=PAIRS)
            members = pair_of(table.team_id, table.officer_id, pairs)
        return and_(
            self.of_teams(table.team_id),
            self.in_window(table.day),
            members,
            not_(or_(*joiners)) if joiners else true(),
        )

    def week(self, day: Any) -> ColumnElement[int]:
        """The week (0 to 11) of a date column."""
        starts = [bindparam(f"trend_monday_{n}", type_=Date) for n in range(1, self.weeks)]
        return case(*((day < monday, n) for n, monday in enumerate(starts)), else_=len(starts))

    def briefing_day(self, table: Any) -> ColumnElement[bool]:
        """SQL true on the row's team's briefing days (teams with the same days share one
        list of dates)."""
        return or_(
            false(),
            *(
                and_(
                    one_of(table.team_id, bindparam(f"trend_calendar_teams_{n}", type_=INTEGERS)),
                    one_of(table.day, bindparam(f"trend_calendar_days_{n}", type_=DATES)),
                )
                for n in range(self.calendars)
            ),
        )

    def off_duty(self, table: Any) -> ColumnElement[bool]:
        """SQL true where a registered absence says the officer was not on duty (a planned
        absence is `away`, in Python)."""
        return or_(false(), *(clause(table) for clause in self.absences))

    def on_away(self, table: Any, *columns: Any) -> Any:
        """`columns` of the table's answers that count (`latest`) in the window on days a
        booked period covers: driven from the few periods onto the (officer_id, day) index,
        never testing each answer of the window. (A row covered twice comes twice; the
        caller keeps the rows of the members' teams, on `away` days.)"""
        found = [
            select(*columns)
            .select_from(table)
            .join(
                ranges,
                and_(
                    table.officer_id == ranges.c.officer_id,
                    table.day >= ranges.c.first_day,
                    table.day <= ranges.c.last_day,
                ),
            )
            .where(table.latest, self.in_window(table.day))
            for ranges in (load(self) for load in self.away_ranges)
        ]
        return union_all(*found) if len(found) > 1 else found[0]

    def by_key(self, rows: Any, *figures: ColumnElement[Any]) -> Select[Any]:
        """`figures` (sums) of `rows` (a subquery of rows in `scope`, with `team_id`,
        `officer_id` and `day`) per member and week, or per team and week."""
        week = self.week(rows.c.day).label("week")
        if self.by_officer:
            return select(rows.c.team_id, rows.c.officer_id, week, *figures).group_by(
                rows.c.team_id, rows.c.officer_id, week
            )
        return select(rows.c.team_id, literal(TEAM), week, *figures).group_by(rows.c.team_id, week)


TrendStatement = Callable[[TrendShape], Executable]
"""A part's statement, built from the shape alone (a module-level function: it is the key
under which the built statement is kept)."""


@functools.lru_cache(maxsize=256)
def built(statement: TrendStatement, shape: TrendShape) -> Executable:
    """The statement built once for the shape (its compiled form is then cached by
    SQLAlchemy as well)."""
    return statement(shape)


@dataclass
class TrendContext:
    """The teams' twelve weeks: their active members (team leaders included), each team's
    briefing days in the window, the members' days booked away (read before the parts, a
    few rows), and the shape of the SQL every part runs with the values of these teams and
    weeks (`rows`).

    The parts keep their figures per member (`by_officer`, for a table of PCSOs) or per
    team (for an overview of many teams: the same figures summed in SQL, a row per team
    and week instead of one per member and week)."""

    session: AsyncSession
    teams: Sequence[Team]
    members: Mapping[int, Sequence[Officer]]
    weeks: TrendWeeks
    zone: ZoneInfo
    calendar: Mapping[int, Sequence[date]]
    absences: Sequence[AbsenceClause] = ()
    by_officer: bool = True
    away: AwayDays = field(default_factory=dict)
    away_ranges: Sequence[AwayRanges] = ()
    days_off: DaysOff = field(default_factory=DaysOff)
    memo: dict[str, Any] = field(default_factory=dict)
    """What helpers read once for the whole page (`kept_weeks`)."""

    @property
    def team_ids(self) -> list[int]:
        return [team.id for team in self.teams]

    def key(self, team_id: int, officer_id: int) -> Key:
        """The row a member's figures go in: theirs, or their team's."""
        return (team_id, officer_id if self.by_officer else TEAM)

    def keys(self, scope: TrendScope) -> list[Key]:
        """The rows of the scope: its members', or its teams'."""
        if self.by_officer:
            return [
                (team_id, m.id)
                for team_id, members in self.members.items()
                for m in members
                if scope.has(team_id, m.id)
            ]
        if scope.officer_id is not None:
            raise ValueError("figures kept per team have no officer's rows")
        return [(t, TEAM) for t in self.team_ids if t in scope.team_ids]

    def is_member(self, team_id: int, officer_id: int) -> bool:
        """Whether the officer is an active member of the team now: a row they left in
        another team, or from before they moved, is not theirs here."""
        return (team_id, officer_id) in self._member_keys

    @cached_property
    def _member_keys(self) -> frozenset[tuple[int, int]]:
        return frozenset((t, m.id) for t, members in self.members.items() for m in members)

    def briefing_days(self, team_id: int) -> list[int]:
        """The team's briefing days counted in each week."""
        found = [0] * self.weeks.count
        for day in self.calendar.get(team_id, ()):
            found[self.weeks.index(day)] += 1
        return found

    def owed(self, key: Key) -> list[int]:
        """The briefing days each week owed by the member (since they joined the roster),
        or by all the team's members (none for a team with no members)."""
        return list(self._owed.get(key) or [0] * self.weeks.count)

    @cached_property
    def _owed(self) -> dict[Key, list[int]]:
        found: dict[Key, list[int]] = {}
        for team_id, members in self.members.items():
            days = self.calendar.get(team_id, ())
            whole = self.briefing_days(team_id)
            for member in members:
                since = joined_on(member, self.zone)
                mine = whole
                if since > self.weeks.first:
                    mine = [0] * self.weeks.count
                    for day in days:
                        if day >= since:
                            mine[self.weeks.index(day)] += 1
                into = found.setdefault(self.key(team_id, member.id), [0] * self.weeks.count)
                for week, owed in enumerate(mine):
                    into[week] += owed
        return found

    def planned(self) -> DaysOff:
        """The days booked away, per key and week."""
        found: dict[tuple[int, int, int], int] = {}
        for team_id, members in self.members.items():
            for member in members:
                for day in self.away.get(member.id, ()):
                    week = (*self.key(team_id, member.id), self.weeks.index(day))
                    found[week] = found.get(week, 0) + 1
        return DaysOff(planned=found)

    @cached_property
    def _joiners(self) -> list[tuple[int, date]]:
        """Members who joined the roster after the window began, and when."""
        return [
            (m.id, since)
            for members in self.members.values()
            for m in members
            if (since := joined_on(m, self.zone)) > self.weeks.first
        ]

    @cached_property
    def _calendars(self) -> list[tuple[list[int], list[date]]]:
        """The teams with the same briefing days in the window, and those days."""
        teams_by_days: dict[tuple[date, ...], list[int]] = {}
        for team_id, days in self.calendar.items():
            if days:
                teams_by_days.setdefault(tuple(days), []).append(team_id)
        return [(ids, list(days)) for days, ids in teams_by_days.items()]

    @cached_property
    def shape(self) -> TrendShape:
        return TrendShape(
            by_officer=self.by_officer,
            weeks=self.weeks.count,
            members=bool(self._member_keys),
            joiners=len(self._joiners),
            calendars=len(self._calendars),
            absences=tuple(self.absences),
            away_ranges=tuple(self.away_ranges),
        )

    @cached_property
    def params(self) -> dict[str, Any]:
        """The values of the shape's parameters for these teams and weeks."""
        found: dict[str, Any] = {
            "trend_teams": self.team_ids,
            "trend_first": self.weeks.first,
            "trend_last": self.weeks.last,
            "trend_members": sorted(self._member_keys),
            "trend_member_ids": sorted({officer_id for _, officer_id in self._member_keys}),
        }
        found |= {f"trend_monday_{n}": day for n, day in enumerate(self.weeks.mondays) if n}
        for n, (officer_id, since) in enumerate(self._joiners):
            found |= {f"trend_joiner_{n}": officer_id, f"trend_since_{n}": since}
        for n, (team_ids, days) in enumerate(self._calendars):
            found |= {f"trend_calendar_teams_{n}": team_ids, f"trend_calendar_days_{n}": days}
        return found

    async def rows(self, statement: TrendStatement) -> Sequence[Any]:
        """The rows of a part's statement for these teams and weeks: built once for the
        shape, run with this context's values, read as plain rows through the session's
        connection."""
        connection = await self.session.connection()
        return (await connection.execute(built(statement, self.shape), self.params)).all()


class TrendPart:
    """One workflow's figures over the twelve weeks, from its own table; by default none."""

    def days_off(self) -> DaysOff:
        return DaysOff()

    def series(self, trend: TrendContext, scope: TrendScope) -> Sequence[Series]:
        """Weekly series of the teams (or the officer) in `scope`, for the charts."""
        return ()

    def cells(self, trend: TrendContext, key: Key) -> Sequence[Cell]:
        """The columns of a member's row (or a team's) in a table."""
        return ()


TrendLoad = Callable[[TrendContext], Awaitable[TrendPart]]


@dataclass(frozen=True)
class TrendSection:
    order: int
    load: TrendLoad


def latest_per_day(
    shape: TrendShape, table: Any, columns: Sequence[Any], *where: ColumnElement[bool]
) -> Any:
    """A subquery of the answer that counts (`DailyAnswer.latest`) of each officer, team
    and day in the trend's scope: `team_id`, `officer_id`, `day` and the answer's
    `columns` the part needs. Read from the table's partial index of the latest answers
    (`ix_<table>_latest`), in its (team_id, day, officer_id) order."""
    return (
        select(table.team_id, table.officer_id, table.day, *columns)
        .where(table.latest, shape.scope(table), *where)
        .subquery()
    )


def counted(condition: ColumnElement[bool]) -> ColumnElement[int]:
    """The rows where `condition` holds, as an aggregate (`count(*) FILTER (WHERE ...)`:
    tested once a row, where a sum of CASEs over a derived column works it out again for
    each figure)."""
    return func.count().filter(condition)
