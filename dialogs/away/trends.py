"""Away periods over twelve weeks: the briefing days each member was booked away (the
planned absences the trends count), and the SQL rule of an away day."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, exists, select

from dialogs.away.models import AwayPeriod
from dialogs.people import joined_on
from dialogs.sections import DaysOff, TrendContext, TrendPart


def away_day(table: Any) -> ColumnElement[bool]:
    """SQL true where a booked (not cancelled) away period covers the row's officer and day:
    `queries.away_days`, per row."""
    return exists().where(
        AwayPeriod.officer_id == table.officer_id,
        AwayPeriod.first_day <= table.day,
        AwayPeriod.last_day >= table.day,
        AwayPeriod.cancelled_at.is_(None),
    )


@dataclass(frozen=True)
class AwayTrend(TrendPart):
    planned: Mapping[tuple[int, int], int]

    def days_off(self) -> DaysOff:
        return DaysOff(planned=self.planned)


async def load_trend(trend: TrendContext) -> TrendPart:
    """One statement: the members' periods overlapping the window, then the briefing days
    (since each joined) they cover, per week."""
    members = {m.id: m for team in trend.members.values() for m in team}
    if not members or trend.weeks.last < trend.weeks.first:
        return AwayTrend({})
    periods = await trend.session.execute(
        select(AwayPeriod.officer_id, AwayPeriod.first_day, AwayPeriod.last_day).where(
            AwayPeriod.officer_id.in_(list(members)),
            AwayPeriod.first_day <= trend.weeks.last,
            AwayPeriod.last_day >= trend.weeks.first,
            AwayPeriod.cancelled_at.is_(None),
        )
    )
    away: dict[int, set[date]] = {}
    for officer_id, first, last in periods:
        member = members[officer_id]
        since = max(first, joined_on(member, trend.zone))
        team_days = trend.calendar.get(member.team_id or 0, ())
        away.setdefault(officer_id, set()).update(d for d in team_days if since <= d <= last)
    planned: dict[tuple[int, int], int] = {}
    for officer_id, days in away.items():
        for day in days:
            key = (officer_id, trend.weeks.index(day))
            planned[key] = planned.get(key, 0) + 1
    return AwayTrend(planned)
