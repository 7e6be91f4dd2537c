"""Where each claimed delivery goes: the officer's most recent conversation on a channel
the outbox has a sender for, else a first contact through their id on the roster."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

from bot.channels.base import ChannelSender
from storage.models import ConversationRef, Officer


@dataclass(frozen=True)
class Target:
    channel: str
    conversation_id: str
    tenant_id: str
    reference: dict[str, Any]


@dataclass
class Claim:
    id: int
    key: str
    token: str
    officer_id: int
    payload: dict[str, Any]
    attempts: int
    user_id: str | None = None
    target: Target | None = None
    collar: str = ""  # the officer's collar number, for the operator's summary
    send_by: datetime | None = None  # not sent at or after this instant (a job's window)


async def find_targets(
    session: AsyncSession, claims: list[Claim], senders: Mapping[str, ChannelSender]
) -> None:
    """Each claim's target, the officer's user id there (to reopen a conversation) and
    their collar number."""
    officer_ids = {claim.officer_id for claim in claims}
    refs: dict[int, ConversationRef] = {}
    for ref in await session.scalars(
        select(ConversationRef)
        .where(
            ConversationRef.officer_id.in_(officer_ids),
            ConversationRef.channel.in_(list(senders)),
        )
        .order_by(ConversationRef.updated_at)
    ):
        refs[ref.officer_id] = ref  # the latest wins
    fields = sorted({sender.roster_field for sender in senders.values()})
    users = {
        row.id: row
        for row in await session.execute(
            select(
                Officer.id, Officer.collar_number, *(getattr(Officer, name) for name in fields)
            ).where(Officer.id.in_(officer_ids))
        )
    }
    for claim in claims:
        latest = refs.get(claim.officer_id)
        user = users.get(claim.officer_id)
        claim.collar = user.collar_number if user is not None else ""
        if latest is not None:
            claim.target = Target(
                latest.channel, latest.conversation_id, latest.tenant_id or "", latest.reference
            )
            claim.user_id = _user_id(senders[latest.channel], user, latest.reference)
        elif user is not None:
            _first_contact(claim, user, senders)


def _user_id(sender: ChannelSender, user: Row[Any] | None, reference: dict[str, Any]) -> str | None:
    """The officer's id on the channel: the roster's, else the reference's."""
    known = getattr(user, sender.roster_field) if user is not None else None
    return str(known) if known else sender.user_of(reference)


def _first_contact(claim: Claim, user: Row[Any], senders: Mapping[str, ChannelSender]) -> None:
    """The first channel that can reach the officer by their roster id alone, if any."""
    for channel, sender in senders.items():
        user_id = getattr(user, sender.roster_field)
        contact = sender.first_contact(user_id) if user_id else None
        if contact is not None:
            claim.target = Target(
                channel, contact.conversation_id, contact.tenant_id, contact.reference
            )
            claim.user_id = user_id
            return
