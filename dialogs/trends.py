"""Twelve weeks of figures for the supervision tab, put together from the parts every
workflow registers (`router.trend_section`): briefing attendance by answer, BWV answered
and VPC-categorised, tasking-returns completion and vulnerable contacts, per member (PCSOs
and team leaders) or, for an overview of many teams, per team.

Each part aggregates its own table in SQL over the teams' indexed `(team_id, day)` range:
the answers that count (the latest per officer, team and day, which the database marks as
answers are stored: `DailyAnswer.latest`, read from a partial index by
`sections.latest_per_day`), counted per member and week, or per team and week over the
team's members now (`TrendContext.by_key`), so a page runs the same few statements
whatever the number of teams and never reads more than the window's rows. The heaviest
(briefing, BWV) count each team's complete weeks once and keep them
(`kept_weeks.weekly_rows`): a page reads those and counts the current week. Days booked
away are read first (`router.trend_away`, a few rows) and the answers given on them set
apart in Python; an absence an officer said (sick, rest day...) is a registered SQL rule
(`router.trend_absence`). The definitions are the review's and the roll-up's
(`dialogs/*/views.py`): what is due, answered and on duty.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from dialogs.calendar import briefing_days_between
from dialogs.router import Views
from dialogs.sections import (
    TREND_WEEKS,
    AwayDays,
    Cell,
    DaysOff,
    Key,
    Series,
    TrendContext,
    TrendPart,
    TrendScope,
    TrendWeeks,
)
from storage import officers
from storage.models import Officer, Team


def trend_weeks(today: date, count: int = TREND_WEEKS) -> TrendWeeks:
    """The `count` Monday-started weeks ending with the one holding `today`, counted up to
    the day before it."""
    monday = today - timedelta(days=today.weekday())
    return TrendWeeks(first=monday - timedelta(weeks=count - 1), last=today - timedelta(days=1))


@dataclass(frozen=True)
class Trends:
    context: TrendContext
    parts: tuple[TrendPart, ...]

    @property
    def weeks(self) -> TrendWeeks:
        return self.context.weeks

    def series(self, scope: TrendScope) -> list[Series]:
        """Every part's weekly series for the scope, in the registered order."""
        return [s for part in self.parts for s in part.series(self.context, scope)]

    def cells(self, member: Officer) -> list[Cell]:
        """Every part's columns of the per-PCSO table for the member."""
        return self.row(self.context.key(member.team_id or 0, member.id))

    def row(self, key: Key) -> list[Cell]:
        """Every part's columns of a member's row, or a team's (figures kept per team)."""
        return [c for part in self.parts for c in part.cells(self.context, key)]

    def members(self, scope: TrendScope) -> list[tuple[Team, Officer]]:
        """The scope's members, team by team (by name), each by collar number."""
        return [
            (team, member)
            for team in sorted(self.context.teams, key=lambda t: t.name)
            if team.id in scope.team_ids
            for member in self.context.members.get(team.id, ())
            if scope.officer_id in (None, member.id)
        ]


async def load_trends(
    views: Views,
    session: AsyncSession,
    teams: Sequence[Team],
    *,
    today: date,
    zone: ZoneInfo,
    by_officer: bool = True,
    members: Mapping[int, Sequence[Officer]] | None = None,
) -> Trends:
    """The teams' twelve weeks up to `today` (not included), from every registered part:
    per member (`by_officer`) or per team. `members` (`officers.members_of_teams`) when
    the caller has read them already."""
    weeks = trend_weeks(today)
    if members is None:
        members = await officers.members_of_teams(session, [t.id for t in teams])
    context = TrendContext(
        session=session,
        teams=teams,
        members=members,
        weeks=weeks,
        zone=zone,
        calendar=calendar(teams, weeks),
        absences=tuple(views.trend_absences),
        by_officer=by_officer,
        away_ranges=tuple(ranges for _, ranges in views.trend_away),
    )
    for load_away, _ in views.trend_away:
        context.away = _merged(context.away, await load_away(context))
    parts = tuple([await section.load(context) for section in views.trends])
    context.days_off = DaysOff.combined([context.planned(), *(p.days_off() for p in parts)])
    return Trends(context, parts)


def _merged(one: AwayDays, other: AwayDays) -> AwayDays:
    return {k: one.get(k, frozenset()) | other.get(k, frozenset()) for k in {*one, *other}}


def calendar(teams: Sequence[Team], weeks: TrendWeeks) -> dict[int, list[date]]:
    """Each team's briefing days in the window, worked out once per set of team settings."""
    known: dict[tuple[str, bool], list[date]] = {}
    found: dict[int, list[date]] = {}
    for team in teams:
        key = (team.briefing_days, team.briefing_on_bank_holidays)
        if key not in known:
            known[key] = briefing_days_between(team, weeks.first, weeks.last)
        found[team.id] = known[key]
    return found
