"""Once-only processing of inbound activities (Teams redelivers after about 15 s)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ProcessedActivity


async def claim(session: AsyncSession, channel: str, activity_id: str, *, now: datetime) -> bool:
    """Record the activity as processed in the turn's transaction.

    Returns False when it was processed before. The row commits with the turn's own writes,
    so a turn that fails leaves no marker and a redelivery is processed afresh; a
    concurrent redelivery waits on the unique key and then finds the committed marker.
    """
    values = {"channel": channel, "activity_id": activity_id, "received_at": now}
    dialect = session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    statement = module.insert(ProcessedActivity).values(**values).on_conflict_do_nothing()
    result = await session.execute(statement)
    return bool(result.rowcount)  # type: ignore[attr-defined]
