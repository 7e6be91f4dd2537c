"""Queries for the officer's day: briefing answers, away periods, BWV answers, PCSO returns.

Every answer is a new row, so changes are kept; "latest" means the row with the highest id
for that officer and day (ids grow in commit order within one officer's answers).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import officers
from storage.models import (
    ABSENCE_REASONS,
    AttendanceAnswer,
    AwayPeriod,
    BwvAnswer,
    Delivery,
    Officer,
    PcsoReturn,
)

Answer = TypeVar("Answer", AttendanceAnswer, BwvAnswer, PcsoReturn)


async def latest(
    session: AsyncSession, model: type[Answer], officer_id: int, day: date
) -> Answer | None:
    """The officer's answer that counts for the day (their last one)."""
    return await session.scalar(
        select(model)
        .where(model.officer_id == officer_id, model.day == day)
        .order_by(model.id.desc())
        .limit(1)
    )


async def latest_answers(
    session: AsyncSession,
    model: type[Answer],
    first: date,
    last: date,
    *,
    team_id: int | None = None,
    officer_id: int | None = None,
) -> dict[tuple[int, date], Answer]:
    """(officer id, day) → the answer that counts (the highest id), from `first` to `last`,
    for one team's answers (`team_id`) or one officer's (`officer_id`)."""
    if (team_id is None) == (officer_id is None):
        raise ValueError("give exactly one of team_id and officer_id")
    scope = model.team_id == team_id if team_id is not None else model.officer_id == officer_id
    newest = (
        select(func.max(model.id))
        .where(scope, model.day >= first, model.day <= last)
        .group_by(model.officer_id, model.day)
    )
    rows = (await session.scalars(select(model).where(model.id.in_(newest)))).all()
    return {(row.officer_id, row.day): row for row in rows}


# --- away periods ------------------------------------------------------------------------


async def add_away(
    session: AsyncSession,
    *,
    officer_id: int,
    first_day: date,
    last_day: date,
    reason: str,
    created_at: datetime,
) -> AwayPeriod:
    period = AwayPeriod(
        officer_id=officer_id,
        first_day=first_day,
        last_day=last_day,
        reason=reason,
        created_at=created_at,
    )
    session.add(period)
    await session.flush()
    return period


def _active() -> Any:
    return AwayPeriod.cancelled_at.is_(None)


async def away_days(
    session: AsyncSession, officer_ids: Collection[int], days: Iterable[date]
) -> dict[tuple[int, date], str]:
    """(officer id, day) → away reason, for the given days (the latest booking wins)."""
    wanted = sorted(set(days))
    if not officer_ids or not wanted:
        return {}
    periods = (
        await session.scalars(
            select(AwayPeriod)
            .where(
                AwayPeriod.officer_id.in_(list(officer_ids)),
                AwayPeriod.first_day <= wanted[-1],
                AwayPeriod.last_day >= wanted[0],
                _active(),
            )
            .order_by(AwayPeriod.created_at, AwayPeriod.id)
        )
    ).all()
    found: dict[tuple[int, date], str] = {}
    for period in periods:
        for day in wanted:
            if period.first_day <= day <= period.last_day:
                found[(period.officer_id, day)] = period.reason
    return found


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


# --- who gets what -----------------------------------------------------------------------


async def delivered_to(session: AsyncSession, job: str, team_id: int, day: date) -> set[int]:
    """Officers a job recorded a delivery for, for the team and day."""
    rows = await session.scalars(
        select(Delivery.officer_id).where(
            Delivery.job == job, Delivery.team_id == team_id, Delivery.day == day
        )
    )
    return set(rows.all())


def is_on_duty(answer: AttendanceAnswer | None, away: bool) -> bool:
    """The one rule for "on duty" (who is reminded to categorise BWV, who owes a return):
    not away, and the day's briefing answer is in person or remote, or there is none."""
    return not away and (answer is None or answer.attendance not in ABSENCE_REASONS)


async def not_away(session: AsyncSession, team_id: int, day: date) -> list[Officer]:
    """Members of the team (PCSOs and team leaders) not marked away on the day."""
    members = await officers.members(session, team_id)
    away = await away_days(session, [m.id for m in members], [day])
    return [m for m in members if (m.id, day) not in away]


async def on_duty(session: AsyncSession, team_id: int, day: date) -> list[Officer]:
    """Members on duty on the day (`is_on_duty`); those away are left out first."""
    present = await not_away(session, team_id, day)
    answers = await latest_answers(session, AttendanceAnswer, day, day, team_id=team_id)
    return [m for m in present if is_on_duty(answers.get((m.id, day)), away=False)]
