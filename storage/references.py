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
    """Insert or refresh the officer's reference for the channel (the serviceUrl can change)."""
    row = await session.scalar(
        select(ConversationRef).where(
            ConversationRef.officer_id == officer_id, ConversationRef.channel == channel
        )
    )
    if row is None:
        row = ConversationRef(officer_id=officer_id, channel=channel)
        session.add(row)
    row.conversation_id = conversation_id
    row.service_url = service_url
    row.tenant_id = tenant_id
    row.reference = reference
    row.updated_at = now
