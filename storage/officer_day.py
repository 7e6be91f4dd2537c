"""Queries for the officer's day: briefing answers, away periods, BWV answers, PCSO returns.

Every answer is a new row, so changes are kept; "latest" means the row with the highest id
for that officer and day (ids grow in commit order within one officer's answers).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
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


async def record_attendance(
    session: AsyncSession,
    *,
    officer_id: int,
    team_id: int,
    day: date,
    attendance: str,
    note: str | None,
    answered_at: datetime,
    late: bool,
    source: str,
) -> AttendanceAnswer:
    answer = AttendanceAnswer(
        officer_id=officer_id,
        team_id=team_id,
        day=day,
        attendance=attendance,
        note=note,
        answered_at=answered_at,
        late=late,
        source=source,
    )
    session.add(answer)
    await session.flush()
    return answer


async def record_bwv(
    session: AsyncSession,
    *,
    officer_id: int,
    team_id: int,
    day: date,
    bwv_status: str,
    answered_at: datetime,
) -> BwvAnswer:
    answer = BwvAnswer(
        officer_id=officer_id,
        team_id=team_id,
        day=day,
        bwv_status=bwv_status,
        answered_at=answered_at,
    )
    session.add(answer)
    await session.flush()
    return answer


async def record_pcso_return(
    session: AsyncSession,
    *,
    officer_id: int,
    team_id: int,
    day: date,
    counts: dict[str, int],
    notes: str | None,
    submitted_at: datetime,
) -> PcsoReturn:
    row = PcsoReturn(
        officer_id=officer_id,
        team_id=team_id,
        day=day,
        notes=notes,
        submitted_at=submitted_at,
        **counts,
    )
    session.add(row)
    await session.flush()
    return row


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


async def history(
    session: AsyncSession, model: type[Answer], officer_id: int, day: date
) -> Sequence[Answer]:
    """Every answer the officer gave for the day, oldest first (changes are kept)."""
    return (
        await session.scalars(
            select(model).where(model.officer_id == officer_id, model.day == day).order_by(model.id)
        )
    ).all()


async def latest_for_team(
    session: AsyncSession, model: type[Answer], team_id: int, day: date
) -> dict[int, Answer]:
    """Officer id → the answer that counts, for everyone in the team who answered that day."""
    newest = (
        select(func.max(model.id))
        .where(model.team_id == team_id, model.day == day)
        .group_by(model.officer_id)
    )
    rows = (await session.scalars(select(model).where(model.id.in_(newest)))).all()
    return {row.officer_id: row for row in rows}


async def latest_by_day(
    session: AsyncSession, model: type[Answer], officer_id: int, first: date, last: date
) -> dict[date, Answer]:
    """Day → the officer's answer that counts, for each day from `first` to `last` answered."""
    newest = (
        select(func.max(model.id))
        .where(model.officer_id == officer_id, model.day >= first, model.day <= last)
        .group_by(model.day)
    )
    rows = (await session.scalars(select(model).where(model.id.in_(newest)))).all()
    return {row.day: row for row in rows}


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


async def away_on(
    session: AsyncSession, officer_ids: Collection[int], day: date
) -> dict[int, AwayPeriod]:
    """Officer id → the away period covering `day` (the most recently recorded one)."""
    if not officer_ids:
        return {}
    rows = (
        await session.scalars(
            select(AwayPeriod)
            .where(
                AwayPeriod.officer_id.in_(list(officer_ids)),
                AwayPeriod.first_day <= day,
                AwayPeriod.last_day >= day,
                _active(),
            )
            .order_by(AwayPeriod.created_at, AwayPeriod.id)
        )
    ).all()
    return {row.officer_id: row for row in rows}


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


async def not_away(session: AsyncSession, team_id: int, day: date) -> list[Officer]:
    """Members of the team (PCSOs and team leaders) not marked away on the day."""
    members = await officers.members(session, team_id)
    away = await away_on(session, [m.id for m in members], day)
    return [m for m in members if m.id not in away]


async def on_duty(session: AsyncSession, team_id: int, day: date) -> list[Officer]:
    """Members not away whose briefing answer for the day is in person or remote, or who
    did not answer; anyone who answered with a reason for not attending is off duty."""
    present = await not_away(session, team_id, day)
    answers = await latest_for_team(session, AttendanceAnswer, team_id, day)
    return [
        m for m in present if m.id not in answers or answers[m.id].attendance not in ABSENCE_REASONS
    ]
