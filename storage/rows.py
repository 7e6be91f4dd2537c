"""Adding one row in a turn's transaction."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Base

Row = TypeVar("Row", bound=Base)


async def add(session: AsyncSession, row: Row) -> Row:
    """Add and flush, so the row has its id (and defaults) before the turn goes on."""
    session.add(row)
    await session.flush()
    return row
