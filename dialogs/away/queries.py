"""Away periods: booking, ending early, and who is away on which days."""

from __future__ import annotations

import functools
from collections.abc import Collection, Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Date, Select, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from dialogs.answers import Recorded, add, hold
from dialogs.away.models import AwayPeriod
from storage.lists import INTEGERS, one_of
from storage.models import Officer


async def add_away(
    session: AsyncSession,
    *,
    officer_id: int,
    first_day: date,
    last_day: date,
    reason: str,
    created_at: datetime,
) -> Recorded[AwayPeriod]:
    """The period booked, unless the same period and reason is booked already and no later
    booking overlaps it (then that booking is given back and nothing is stored). Otherwise
    it is a new booking: the latest booking wins for the days it shares with others."""
    await hold(session, Officer.id, officer_id)
    booked = await away_between(session, officer_id, first_day, last_day)
    same = [
        p for p in booked if (p.first_day, p.last_day, p.reason) == (first_day, last_day, reason)
    ]
    if same:
        found = max(same, key=lambda p: p.id)
        if not any(p.id > found.id for p in booked):
            return Recorded(found, new=False)
    period = AwayPeriod(
        officer_id=officer_id,
        first_day=first_day,
        last_day=last_day,
        reason=reason,
        created_at=created_at,
    )
    return Recorded(await add(session, period), new=True)


def _active() -> Any:
    return AwayPeriod.cancelled_at.is_(None)


async def away_days(
    session: AsyncSession, officer_ids: Collection[int], days: Iterable[date]
) -> dict[tuple[int, date], str]:
    """(officer id, day) → away reason, for the given days (the latest booking wins)."""
    wanted = sorted(set(days))
    if not officer_ids or not wanted:
        return {}
    params = {"ids": list(officer_ids), "first": wanted[0], "last": wanted[-1]}
    return days_away((await session.execute(_overlapping(), params)).tuples(), wanted)


def days_away(
    periods: Iterable[tuple[int, date, date, str]], days: Sequence[date]
) -> dict[tuple[int, date], str]:
    """(officer id, day) → reason, for the `days` (in order) the periods (officer id, first
    day, last day, reason; oldest booking first) cover: the latest booking wins."""
    found: dict[tuple[int, date], str] = {}
    for officer_id, first, last, reason in periods:
        for day in days:
            if first <= day <= last:
                found[(officer_id, day)] = reason
    return found


@functools.cache
def _overlapping() -> Select[int, date, date, str]:
    """The officers' active periods overlapping `first` to `last`, oldest booking first (built
    once, run with its values bound; the columns the days need, not whole periods)."""
    period = AwayPeriod
    return (
        select(period.officer_id, period.first_day, period.last_day, period.reason)
        .where(
            one_of(period.officer_id, bindparam("ids", type_=INTEGERS)),
            period.first_day <= bindparam("last", type_=Date),
            period.last_day >= bindparam("first", type_=Date),
            _active(),
        )
        .order_by(period.created_at, period.id)
    )


async def planned_absences(
    session: AsyncSession, _team_id: int, officer_ids: Sequence[int], days: Sequence[date]
) -> dict[tuple[int, date], str]:
    """The absence source of away periods (see `dialogs.presence`)."""
    return await away_days(session, officer_ids, days)


async def away_between(
    session: AsyncSession, officer_id: int, first: date, last: date
) -> Sequence[AwayPeriod]:
    """The officer's away periods overlapping `first`..`last`, by start date."""
    return (
        await session.scalars(
            select(AwayPeriod)
            .where(
                AwayPeriod.officer_id == officer_id,
                AwayPeriod.first_day <= last,
                AwayPeriod.last_day >= first,
                _active(),
            )
            .order_by(AwayPeriod.first_day, AwayPeriod.id)
        )
    ).all()


async def end_away(
    session: AsyncSession, officer_id: int, today: date, now: datetime
) -> list[AwayPeriod]:
    """The officer is back today: periods covering today end yesterday (or are cancelled
    if they started today). Periods starting later are left as booked."""
    covering = (
        await session.scalars(
            select(AwayPeriod).where(
                AwayPeriod.officer_id == officer_id,
                AwayPeriod.first_day <= today,
                AwayPeriod.last_day >= today,
                _active(),
            )
        )
    ).all()
    for period in covering:
        if period.first_day < today:
            period.last_day = today - timedelta(days=1)
        else:
            period.cancelled_at = now
    await session.flush()
    return list(covering)
