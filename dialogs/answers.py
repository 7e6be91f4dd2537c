"""Recording and reading answers kept per officer and day (briefing, BWV, PCSO returns).

Every answer is a new row, so changes are kept; "latest" means the row with the highest id
for that officer and day (ids grow in commit order within one officer's answers). A mapped
class that derives from `DailyAnswer` is such an answer.
"""

from __future__ import annotations

from datetime import date
from typing import TypeVar

from sqlalchemy import Date, ForeignKey, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base


class DailyAnswer(Base):
    """The columns of an answer an officer gives for a day of their team's (no table)."""

    __abstract__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id", ondelete="CASCADE"))
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)


Answer = TypeVar("Answer", bound=DailyAnswer)
Row = TypeVar("Row", bound=Base)


async def add(session: AsyncSession, row: Row) -> Row:
    """Add and flush, so the row has its id (and defaults) before the turn goes on."""
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
