"""The audit log: who read which review, who exported what, who changed the roster."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AuditEntry, Officer


async def record(
    session: AsyncSession,
    action: str,
    *,
    at: datetime,
    officer: Officer | None = None,
    actor: str | None = None,
    **detail: Any,
) -> None:
    session.add(
        AuditEntry(
            at=at,
            actor_officer_id=officer.id if officer else None,
            actor=actor or (officer.collar_number if officer else "system"),
            action=action,
            detail=detail,
        )
    )
