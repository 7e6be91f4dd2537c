"""Conversation state on the database.

`load`/`save` keep a small JSON dict per officer and channel inside the turn's own
transaction, so state commits with the answer it belongs to.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import StateItem, utcnow


def new_etag() -> str:
    return uuid.uuid4().hex


async def load(session: AsyncSession, key: str) -> dict[str, Any]:
    row = await session.get(StateItem, key)
    if row is None:
        return {}
    try:
        value = json.loads(row.data)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


async def save(session: AsyncSession, key: str, value: dict[str, Any]) -> None:
    """Write the turn's state; an empty dict removes it."""
    row = await session.get(StateItem, key)
    if not value:
        if row is not None:
            await session.delete(row)
        return
    data = json.dumps(value, sort_keys=True, default=str)
    if row is None:
        session.add(StateItem(key=key, etag=new_etag(), data=data, updated_at=utcnow()))
    elif row.data != data:
        row.data = data
        row.etag = new_etag()
        row.updated_at = utcnow()
