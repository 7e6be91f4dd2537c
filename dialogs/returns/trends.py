"""Team returns over twelve weeks, as the weekly roll-up counts them: the briefing days the
team's returns arrived, of its briefing days; and the engagements with vulnerable people
the day's returns that count (the latest) record."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import case, func, select

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


async def load_trend(trend: TrendContext) -> TrendPart:
    """One statement: the latest returns per team and day in the window, per team and week."""
    latest = (
        select(func.max(TeamReturn.id))
        .where(
            TeamReturn.team_id.in_(trend.team_ids),
            TeamReturn.day >= trend.weeks.first,
            TeamReturn.day <= trend.weeks.last,
        )
        .group_by(TeamReturn.team_id, TeamReturn.day)
    )
    week = trend.weeks.bucket(TeamReturn.day).label("week")
    rows = (
        select(
            TeamReturn.team_id,
            week,
            func.sum(case((trend.briefing_day(TeamReturn), 1), else_=0)),
            func.sum(TeamReturn.vulnerable_engagements),
        )
        .where(TeamReturn.id.in_(latest))
        .group_by(TeamReturn.team_id, "week")
    )
    found = await trend.rows(rows)
    return ReturnsTrend({(t, w): (int(days), int(vulnerable)) for t, w, days, vulnerable in found})
