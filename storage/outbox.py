"""The outbox: a delivery is recorded under a unique key before anything is sent."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Delivery, DeliveryStatus

ENQUEUED = "pcso.outbox.enqueued"  # set in `session.info` once a delivery is recorded


def enqueued(session: AsyncSession) -> bool:
    """Whether this session recorded a delivery (so the outbox is worth waking)."""
    return bool(session.info.get(ENQUEUED))


def delivery_key(job: str, day: date, officer_id: int, suffix: str = "") -> str:
    key = f"{job}:{day.isoformat()}:{officer_id}"
    return f"{key}:{suffix}" if suffix else key


async def enqueue(
    session: AsyncSession,
    *,
    job: str,
    officer_id: int,
    day: date,
    payload: dict[str, Any],
    now: datetime,
    team_id: int | None = None,
    suffix: str = "",
    not_before: datetime | None = None,
    send_by: datetime | None = None,
) -> bool:
    """Record one delivery at `now`, to be sent from `not_before` (default: at once) and
    not at all from `send_by` (default: never too late); False when its key was recorded
    before (nothing is doubled)."""
    values = {
        "key": delivery_key(job, day, officer_id, suffix),
        "job": job,
        "officer_id": officer_id,
        "team_id": team_id,
        "day": day,
        "payload": payload,
        "status": DeliveryStatus.PENDING.value,
        "attempts": 0,
        "not_before": not_before or now,
        "send_by": send_by,
        "created_at": now,
    }
    dialect = session.bind.dialect.name if session.bind else "sqlite"
    module = postgresql if dialect == "postgresql" else sqlite
    statement = (
        module.insert(Delivery).values(**values).on_conflict_do_nothing(index_elements=["key"])
    )
    result = await session.execute(statement)
    recorded = bool(result.rowcount)  # type: ignore[attr-defined]
    if recorded:
        session.info[ENQUEUED] = True
    return recorded


async def delivered_to(session: AsyncSession, job: str, team_id: int, day: date) -> set[int]:
    """Officers a job recorded a delivery for, for the team and day."""
    rows = await session.scalars(
        select(Delivery.officer_id).where(
            Delivery.job == job, Delivery.team_id == team_id, Delivery.day == day
        )
    )
    return set(rows.all())
