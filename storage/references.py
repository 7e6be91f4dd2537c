"""Conversation references: how to reach each officer on each channel after a restart."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ConversationRef


async def remember(
    session: AsyncSession,
    *,
    officer_id: int,
    channel: str,
    conversation_id: str,
    service_url: str,
    tenant_id: str | None,
    reference: dict[str, Any],
    now: datetime,
) -> None:
    """Insert or refresh the officer's reference for the channel (the serviceUrl can change).

    Written only when something changed: the reference itself, or the channel the officer
    last used (the outbox reaches an officer on their most recently used channel), so an
    ordinary turn reads one row and writes none."""
    rows = (
        await session.scalars(
            select(ConversationRef).where(ConversationRef.officer_id == officer_id)
        )
    ).all()
    row = next((r for r in rows if r.channel == channel), None)
    if row is not None and (
        row.conversation_id == conversation_id
        and row.service_url == service_url
        and row.tenant_id == tenant_id
        and row.reference == reference
        and all(other.updated_at <= row.updated_at for other in rows)
    ):
        return
    if row is None:
        row = ConversationRef(officer_id=officer_id, channel=channel)
        session.add(row)
    row.conversation_id = conversation_id
    row.service_url = service_url
    row.tenant_id = tenant_id
    row.reference = reference
    row.updated_at = now
