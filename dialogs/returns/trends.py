"""Team returns over twelve weeks, as the weekly roll-up counts them: the briefing days the
team's returns arrived, of its briefing days; and the engagements with vulnerable people
the day's returns that count (the latest) record."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.sql import Executable

from dialogs.returns.models import TeamReturn
from dialogs.sections import (
    RATES_CHART,
    TEAM,
    VULNERABLE_CHART,
    Cell,
    Key,
    Series,
    Tally,
    TrendContext,
    TrendPart,
    TrendScope,
    TrendShape,
)


@dataclass(frozen=True)
class ReturnsTrend(TrendPart):
    """(team id, week) → (briefing days with returns, vulnerable engagements)."""

    weeks: Mapping[tuple[int, int], tuple[int, int]]

    def series(self, trend: TrendContext, scope: TrendScope) -> Sequence[Series]:
        if scope.officer_id is not None:
            return ()  # returns are the team's, not one officer's
        completed, vulnerable = [Tally(0, 0)] * trend.weeks.count, [Tally(0)] * trend.weeks.count
        for team_id in scope.team_ids & set(trend.team_ids):
            for week, (returned, engagements) in enumerate(self._weeks(trend, team_id)):
                completed[week] += returned
                vulnerable[week] += engagements
        return (
            Series(RATES_CHART, "returns.completed", "Returns completed", tuple(completed)),
            Series(
                VULNERABLE_CHART,
                "returns.vulnerable",
                "Vulnerable engagements (team returns)",
                tuple(vulnerable),
            ),
        )

    def cells(self, trend: TrendContext, key: Key) -> Sequence[Cell]:
        """A team's row (not a member's): its returns completed."""
        if key[1] != TEAM:
            return ()
        completed = tuple(returned for returned, _ in self._weeks(trend, key[0]))
        return (Cell("returns.completed", "Returns completed", completed),)

    def _weeks(self, trend: TrendContext, team_id: int) -> list[tuple[Tally, Tally]]:
        """(briefing days with returns of the team's briefing days, engagements) a week."""
        found = []
        for week, due in enumerate(trend.briefing_days(team_id)):
            returned, engagements = self.weeks.get((team_id, week), (0, 0))
            found.append((Tally(returned, due), Tally(engagements)))
        return found


def _returns(shape: TrendShape) -> Executable:
    """The latest returns per team and day in the window, per team and week: the briefing
    days with a return, and the engagements with vulnerable people."""
    latest = (
        select(func.max(TeamReturn.id))
        .where(shape.of_teams(TeamReturn.team_id), shape.in_window(TeamReturn.day))
        .group_by(TeamReturn.team_id, TeamReturn.day)
    )
    week = shape.week(TeamReturn.day).label("week")
    return (
        select(
            TeamReturn.team_id,
            week,
            func.sum(case((shape.briefing_day(TeamReturn), 1), else_=0)),
            func.sum(TeamReturn.vulnerable_engagements),
        )
        .where(TeamReturn.id.in_(latest))
        .group_by(TeamReturn.team_id, "week")
    )


async def load_trend(trend: TrendContext) -> TrendPart:
    """One statement: the team's returns per week."""
    found = await trend.rows(_returns)
    return ReturnsTrend({(t, w): (int(days), int(vulnerable)) for t, w, days, vulnerable in found})
