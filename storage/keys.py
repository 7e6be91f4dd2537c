"""The service's own secrets, kept in the store (`service_keys`), so that every process on
the same database shares them without configuration: `pcso-bot serve` checks what
`pcso-bot dashboard link` signs with the same key.

A key is made once, by whichever process needs it first. Two processes that both find it
missing both try to insert one; the insert does nothing on a conflict, and both then read
the one that was stored first, so they always agree.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ServiceKey

SECRET_BYTES = 32  # token_urlsafe: 43 characters, well within the column's 200


async def find(session: AsyncSession, name: str) -> str | None:
    """The secret named `name`, or None while no process has made it."""
    return await session.scalar(select(ServiceKey.secret).where(ServiceKey.name == name))


async def get_or_create(session: AsyncSession, name: str, *, now: datetime) -> str:
    """The secret named `name`, made now (in the session's transaction) if there is none."""
    found = await find(session, name)
    if found is not None:
        return found
    dialect = session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    values = {"name": name, "secret": secrets.token_urlsafe(SECRET_BYTES), "created_at": now}
    await session.execute(module.insert(ServiceKey).values(**values).on_conflict_do_nothing())
    stored = await find(session, name)
    if stored is None:  # pragma: no cover - the insert or the other process's row is there
        raise RuntimeError(f"the service key {name!r} could not be stored")
    return stored
