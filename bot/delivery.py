"""Proactive delivery: claim pending outbox rows, send them, record the result.

The outbox row is written (by a job or a turn) before anything is sent; a sender claims
rows, sends each through the channel, and stores the sent activity id (so the card can be
updated later) or the failure.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import ConversationReference
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.settings import Settings
from bot.teams import CHANNEL, card_activity
from dialogs.core import Reply
from storage import references
from storage.models import Delivery, DeliveryStatus, Officer

log = logging.getLogger(__name__)

BATCH = 100


class DeliveryError(Exception):
    """A send that failed; `status` is the channel's HTTP status when there was one."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class ChannelSender(Protocol):
    async def send(self, reference: dict, reply: Reply) -> str: ...  # type: ignore[type-arg]


class TeamsSender:
    """Sends a reply into a stored Teams conversation through the Bot Framework adapter."""

    def __init__(self, *, adapter: CloudAdapter, settings: Settings) -> None:
        self._adapter = adapter
        self._settings = settings

    async def send(self, reference: dict, reply: Reply) -> str:  # type: ignore[type-arg]
        sent: list[str] = []

        async def callback(context: TurnContext) -> None:
            response = await context.send_activity(card_activity(reply))
            sent.append(response.id if response and response.id else "")

        try:
            await self._adapter.continue_conversation(
                ConversationReference().deserialize(reference),
                callback,
                bot_app_id=self._settings.app_id,
            )
        except Exception as error:
            status = getattr(getattr(error, "response", None), "status_code", None)
            raise DeliveryError(f"{type(error).__name__}: {error}"[:300], status=status) from error
        return sent[0] if sent else ""


@dataclass
class DrainResult:
    sent: int = 0
    failed: int = 0


def instance_name(settings: Settings) -> str:
    return settings.instance_name or f"{socket.gethostname()}:{os.getpid()}"


class Outbox:
    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        sender: ChannelSender,
        settings: Settings,
    ) -> None:
        self._sessions = sessions
        self._sender = sender
        self._instance = instance_name(settings)

    async def drain(self, now: datetime | None = None) -> DrainResult:
        """Send every pending delivery that is due, batch by batch, until none is left."""
        result = DrainResult()
        while True:
            claimed = await self._claim(now or datetime.now(UTC))
            if not claimed:
                return result
            for delivery_id in claimed:
                if await self._send_one(delivery_id):
                    result.sent += 1
                else:
                    result.failed += 1

    async def _claim(self, now: datetime) -> list[int]:
        """Claim a batch in one UPDATE … RETURNING: atomic on SQLite, and on PostgreSQL the
        inner SELECT skips rows another instance has locked, so no row is claimed twice."""
        due = (
            select(Delivery.id)
            .where(Delivery.status == DeliveryStatus.PENDING.value, Delivery.not_before <= now)
            .order_by(Delivery.id)
            .limit(BATCH)
        )
        async with self._sessions() as session, session.begin():
            if session.bind.dialect.name == "postgresql":
                due = due.with_for_update(skip_locked=True)
            claimed = await session.scalars(
                update(Delivery)
                .where(Delivery.id.in_(due.scalar_subquery()))
                .where(Delivery.status == DeliveryStatus.PENDING.value)
                .values(
                    status=DeliveryStatus.SENDING.value,
                    claimed_by=self._instance,
                    claimed_at=now,
                )
                .returning(Delivery.id)
                .execution_options(synchronize_session=False)
            )
            return sorted(claimed.all())

    async def _send_one(self, delivery_id: int) -> bool:
        """Read what to send, send it outside any transaction, then record the result."""
        async with self._sessions() as session:
            delivery = await session.get(Delivery, delivery_id)
            if delivery is None:
                return False
            ref = await references.for_officer(session, delivery.officer_id, CHANNEL)
            payload = delivery.payload
        error: str | None = None
        activity_id = ""
        if ref is None:
            error = "no conversation reference: the officer has not installed the bot"
        else:
            try:
                activity_id = await self._sender.send(ref.reference, Reply.from_dict(payload))
            except DeliveryError as failure:
                error = str(failure)
        async with self._sessions() as session, session.begin():
            delivery = await session.get(Delivery, delivery_id)
            if delivery is None:
                return False
            delivery.attempts += 1
            delivery.channel = CHANNEL
            if error is None and ref is not None:
                delivery.status = DeliveryStatus.SENT.value
                delivery.sent_activity_id = activity_id
                delivery.conversation_id = ref.conversation_id
                delivery.sent_at = datetime.now(UTC)
                return True
            delivery.status = DeliveryStatus.FAILED.value
            delivery.error = (error or "")[:500]
            officer = await session.get(Officer, delivery.officer_id)
            if officer is not None and officer.unreachable_since is None:
                officer.unreachable_since = datetime.now(UTC)
                officer.unreachable_reason = delivery.error
            log.warning("delivery %s (%s) failed: %s", delivery.id, delivery.key, error)
            return False


class DeliveryWorker:
    """Drains the outbox in the background: when woken (a turn or job recorded
    deliveries) and every `interval` seconds (retries, other instances' leftovers)."""

    def __init__(self, outbox: Outbox, *, interval: float = 5.0) -> None:
        self._outbox = outbox
        self._interval = interval
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="outbox-delivery")

    def wake(self) -> None:
        self._wake.set()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def _loop(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self._interval)
            self._wake.clear()
            try:
                await self._outbox.drain()
            except Exception:
                log.exception("outbox delivery round failed; retrying on the next round")
