"""Preparation for a one-to-one: last month's figures per officer, from every workflow's
part of the figures over a period (`dialogs.periods`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from dialogs.calendar import briefing_days_between
from dialogs.periods import load_period
from dialogs.sections import PeriodSection
from storage.models import Officer, Team


def previous_month(day: date) -> tuple[date, date]:
    last = day.replace(day=1) - timedelta(days=1)
    return last.replace(day=1), last


async def prep_lines(
    sections: Sequence[PeriodSection],
    session: AsyncSession,
    team: Team,
    members: Sequence[Officer],
    first: date,
    last: date,
    *,
    today: date,
    zone: ZoneInfo,
) -> list[str]:
    """One line per officer: the period's figures and their last one-to-one."""
    days = briefing_days_between(team, first, last)
    period = await load_period(sections, session, team, members, days, zone=zone, today=today)
    return [period.officer_line(m) for m in members]
