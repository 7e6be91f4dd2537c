"""PCSO daily returns over twelve weeks: the engagements with vulnerable people each
member's returns that count (the latest per day) record."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select

from dialogs.pcso_returns.models import PcsoReturn
from dialogs.sections import (
    VULNERABLE_CHART,
    Series,
    Tally,
    TrendContext,
    TrendPart,
    TrendScope,
    TrendShape,
)


@dataclass(frozen=True)
class PcsoReturnsTrend(TrendPart):
    """(team id, officer id or 0, week) → vulnerable engagements."""

    weeks: Mapping[tuple[int, int, int], int]

    def series(self, trend: TrendContext, scope: TrendScope) -> Sequence[Series]:
        used = any(t.pcso_returns for t in trend.teams if t.id in scope.team_ids)
        found = [0] * trend.weeks.count
        for key in trend.keys(scope):
            for week in range(trend.weeks.count):
                found[week] += self.weeks.get((*key, week), 0)
        if not used and not any(found):
            return ()
        label = "Vulnerable engagements (PCSO returns)"
        weeks = tuple(Tally(n) for n in found)
        return (Series(VULNERABLE_CHART, "pcso_returns.vulnerable", label, weeks),)


def _engagements(shape: TrendShape) -> Select[Any]:
    """The latest return of each member and day in the window, summed per member (or team)
    and week."""
    days = (
        select(
            PcsoReturn.team_id,
            PcsoReturn.officer_id,
            PcsoReturn.day,
            PcsoReturn.vulnerable_engagements,
        )
        .where(PcsoReturn.latest, shape.scope(PcsoReturn))
        .subquery()
    )
    return shape.by_key(days, func.sum(days.c.vulnerable_engagements))


async def load_trend(trend: TrendContext) -> TrendPart:
    """One statement: the vulnerable engagements per member (or team) and week."""
    found = await trend.rows(_engagements)
    return PcsoReturnsTrend({(t, o, w): int(n) for t, o, w, n in found})
