"""Away periods over twelve weeks: the briefing days each member was booked away (the
planned absences the trends count), read before the other parts so that they can set the
few answers given on those days apart in Python, never testing each answer in SQL."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Select, select

from dialogs.away.models import AwayPeriod
from dialogs.people import joined_on
from dialogs.sections import AwayDays, TrendContext, TrendShape


def booked(shape: TrendShape) -> Any:
    """The members' booked periods overlapping the window, as a subquery (officer_id,
    first_day, last_day), on the (officer_id, first_day, last_day) index."""
    return (
        select(AwayPeriod.officer_id, AwayPeriod.first_day, AwayPeriod.last_day)
        .where(
            shape.of_members(AwayPeriod.officer_id),
            AwayPeriod.first_day <= shape.last(),
            AwayPeriod.last_day >= shape.first(),
            AwayPeriod.cancelled_at.is_(None),
        )
        .distinct()  # read first, as a few rows, rather than folded into the caller's query
        .subquery()
    )


def _periods(shape: TrendShape) -> Select[Any]:
    return select(booked(shape))


async def load_away(trend: TrendContext) -> AwayDays:
    """One statement (on the (officer_id, first_day, last_day) index): the members' periods
    overlapping the window, then the briefing days of their team (since each joined) the
    periods cover."""
    members = {m.id: m for team in trend.members.values() for m in team}
    if not members or trend.weeks.last < trend.weeks.first:
        return {}
    periods = await trend.rows(_periods)
    away: dict[int, set[date]] = {}
    for officer_id, first, last in periods:
        member = members[officer_id]
        since = max(first, joined_on(member, trend.zone))
        team_days = trend.calendar.get(member.team_id or 0, ())
        away.setdefault(officer_id, set()).update(d for d in team_days if since <= d <= last)
    return {officer_id: frozenset(days) for officer_id, days in away.items() if days}
