"""When each officer last had a one-to-one, and the one rule for "overdue"."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from dialogs.one_to_one.models import OneToOne
from storage.models import Officer

OVERDUE_AFTER_DAYS = 35


async def last_one_to_ones(
    session: AsyncSession, officer_ids: Collection[int], on_or_before: date
) -> dict[int, date]:
    """Officer id → the date of their last one-to-one up to `on_or_before`.

    One max() per officer on (officer_id, held_on): an index lookup each, however many
    one-to-ones the history holds.
    """
    if not officer_ids:
        return {}
    last = (
        select(func.max(OneToOne.held_on))
        .where(OneToOne.officer_id == Officer.id, OneToOne.held_on <= on_or_before)
        .scalar_subquery()
    )
    rows = await session.execute(select(Officer.id, last).where(Officer.id.in_(list(officer_ids))))
    return {officer_id: held for officer_id, held in rows if held is not None}


def is_overdue(last_held: date | None, on_roster_since: date, today: date) -> bool:
    """More than 35 days since the last one-to-one; with none yet, since joining the roster."""
    since = last_held or on_roster_since
    return (today - since).days > OVERDUE_AFTER_DAYS
