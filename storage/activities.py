"""Once-only processing of inbound activities (Teams redelivers after about 15 s)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ProcessedActivity, utcnow


async def claim(session: AsyncSession, channel: str, activity_id: str) -> bool:
    """Record the activity as processed in the turn's transaction.

    Returns False when it was processed before. The row commits with the turn's own writes,
    so a turn that fails leaves no marker and a redelivery is processed afresh; a
    concurrent redelivery waits on the unique key and then sees the committed marker.
    """
    if await session.scalar(
        select(
            exists().where(
                ProcessedActivity.channel == channel, ProcessedActivity.activity_id == activity_id
            )
        )
    ):
        return False
    try:
        async with session.begin_nested():
            session.add(
                ProcessedActivity(channel=channel, activity_id=activity_id, received_at=utcnow())
            )
    except IntegrityError:
        return False
    return True


async def forget_before(session: AsyncSession, cutoff: datetime) -> int:
    result = await session.execute(
        delete(ProcessedActivity).where(ProcessedActivity.received_at < cutoff)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
