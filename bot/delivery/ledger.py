"""The outbox's rows: claims, leases and results, each in its own short transaction.

Once per delivery, as far as HTTP allows:

* A claim is one UPDATE … RETURNING over a small window of due rows. On PostgreSQL the
  rows are picked with SELECT … FOR UPDATE SKIP LOCKED, so several instances claim side by
  side, and the UPDATE re-checks every row, so no row is claimed by two instances. SQLite
  is the store for one instance (its writers are serialised, so a `pcso-bot jobs run`
  beside the service is still safe); PostgreSQL is the store for several.
* Every claim carries its own token in `claimed_by`. The sender renews the lease of the
  rows in hand every quarter lease, and right before each attempt with an UPDATE that
  matches only its token: a row another instance has taken over is dropped, never sent
  by both.
* A row left in `sending` by a crashed instance is claimed again once its lease
  (`PCSO_DELIVERY_LEASE_SECONDS`, longer than a send may take) has expired. So only a send
  in flight at the instant of a crash can be repeated.
* A row whose next attempt is left for later (`leave`: `pcso-bot jobs run` does not wait
  out a long backoff) is pending again with `not_before` at that attempt, its attempts
  counted, so whichever sender claims it next goes on counting from there.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import CTE

from bot.channels.base import ChannelSender, Opened
from bot.clock import Clock
from bot.delivery.targets import Claim, Target, find_targets
from bot.settings import Settings
from storage import references
from storage.models import Delivery, DeliveryStatus, Officer

log = logging.getLogger(__name__)


def instance_name(settings: Settings) -> str:
    return (settings.instance_name or f"{socket.gethostname()}:{os.getpid()}")[:60]


class Ledger:
    def __init__(
        self, *, sessions: async_sessionmaker[AsyncSession], settings: Settings, clock: Clock
    ) -> None:
        self._sessions = sessions
        self._lease = timedelta(seconds=settings.delivery_lease_seconds)
        self._instance = instance_name(settings)
        self._clock = clock

    async def claim(self, limit: int, senders: Mapping[str, ChannelSender]) -> list[Claim]:
        """Claim up to `limit` due rows (or rows whose lease expired) in one statement."""
        now = self._clock()
        token = f"{self._instance}/{secrets.token_hex(4)}"
        claimable = self._claimable(now)
        async with self._sessions() as session, session.begin():
            due = _due_rows(claimable, limit, session.get_bind().dialect.name)
            rows = await session.execute(
                update(Delivery)
                .where(Delivery.id.in_(select(due.c.id)), claimable)
                .values(status=DeliveryStatus.SENDING.value, claimed_by=token, claimed_at=now)
                .returning(
                    Delivery.id,
                    Delivery.key,
                    Delivery.officer_id,
                    Delivery.payload,
                    Delivery.attempts,
                    Delivery.send_by,
                )
                .execution_options(synchronize_session=False)
            )
            claims = [
                Claim(r.id, r.key, token, r.officer_id, r.payload, r.attempts, send_by=r.send_by)
                for r in rows
            ]
            if claims:
                await find_targets(session, claims, senders)
        return sorted(claims, key=lambda claim: claim.id)

    def _claimable(self, now: datetime) -> ColumnElement[bool]:
        return or_(
            and_(
                Delivery.status == DeliveryStatus.PENDING.value,
                Delivery.not_before <= now,
            ),
            and_(
                Delivery.status == DeliveryStatus.SENDING.value,
                Delivery.claimed_at < now - self._lease,
            ),
        )

    async def renew(self, claims: list[Claim]) -> None:
        """Extend the lease of the rows in hand: this instance is alive and will send them."""
        tokens = {claim.token for claim in claims}
        if not tokens:
            return
        async with self._sessions() as session, session.begin():
            await session.execute(
                update(Delivery)
                .where(Delivery.claimed_by.in_(tokens))
                .where(Delivery.status == DeliveryStatus.SENDING.value)
                .values(claimed_at=self._clock())
            )

    async def hand_back(self, claims: list[Claim]) -> None:
        """Claimed rows not sent: pending again, for any instance to claim now."""
        async with self._sessions() as session, session.begin():
            for claim in claims:
                await session.execute(
                    update(Delivery)
                    .where(Delivery.id == claim.id, Delivery.claimed_by == claim.token)
                    .where(Delivery.status == DeliveryStatus.SENDING.value)
                    .values(status=DeliveryStatus.PENDING.value, claimed_by=None, claimed_at=None)
                )

    async def leave(self, claim: Claim, reason: str, retry_at: datetime) -> None:
        """An attempt failed and the next is not waited for here: pending again, to be
        claimed from `retry_at` (by the service's delivery worker), with the reason kept."""
        async with self._sessions() as session, session.begin():
            await session.execute(
                update(Delivery)
                .where(Delivery.id == claim.id, Delivery.claimed_by == claim.token)
                .where(Delivery.status == DeliveryStatus.SENDING.value)
                .values(
                    status=DeliveryStatus.PENDING.value,
                    claimed_by=None,
                    claimed_at=None,
                    not_before=retry_at,
                    channel=claim.target.channel if claim.target else None,
                    error=reason[:500],
                )
            )

    async def begin_attempt(self, claim: Claim) -> bool:
        """Renew the lease and count the attempt, if the claim is still ours."""
        async with self._sessions() as session, session.begin():
            renewed = await session.execute(
                update(Delivery)
                .where(Delivery.id == claim.id, Delivery.claimed_by == claim.token)
                .where(Delivery.status == DeliveryStatus.SENDING.value)
                .values(claimed_at=self._clock(), attempts=Delivery.attempts + 1)
            )
        if renewed.rowcount != 1:  # type: ignore[attr-defined]
            log.warning(
                "delivery %s (%s) was taken over by another instance (lease expired); "
                "not sending it here",
                claim.id,
                claim.key,
            )
            return False
        return True

    async def record_sent(
        self,
        claim: Claim,
        target: Target,
        activity_id: str,
        conversation_id: str,
        opened: Opened | None = None,
    ) -> None:
        """Sent: the activity id is kept (to update the card later) and the officer is
        reachable again; a newly opened conversation becomes their reference."""
        now = self._clock()
        async with self._sessions() as session, session.begin():
            await session.execute(
                update(Delivery)
                .where(Delivery.id == claim.id)
                .values(
                    status=DeliveryStatus.SENT.value,
                    channel=target.channel,
                    conversation_id=conversation_id,
                    sent_activity_id=activity_id,
                    sent_at=now,
                    error=None,
                )
            )
            await session.execute(
                update(Officer)
                .where(Officer.id == claim.officer_id, Officer.unreachable_since.is_not(None))
                .values(unreachable_since=None, unreachable_reason=None)
            )
            if opened is not None:
                await references.remember(
                    session,
                    officer_id=claim.officer_id,
                    channel=target.channel,
                    conversation_id=opened.conversation_id,
                    service_url=opened.service_url,
                    tenant_id=opened.tenant_id,
                    reference=opened.reference,
                    now=now,
                )

    async def fail(
        self, claim: Claim, reason: str, *, unreachable: bool, level: int = logging.WARNING
    ) -> None:
        """Final failure; with `unreachable` the officer is listed as one the bot cannot reach."""
        async with self._sessions() as session, session.begin():
            await session.execute(
                update(Delivery)
                .where(Delivery.id == claim.id, Delivery.claimed_by == claim.token)
                .values(
                    status=DeliveryStatus.FAILED.value,
                    channel=claim.target.channel if claim.target else None,
                    error=reason[:500],
                )
            )
            officer = await session.get(Officer, claim.officer_id) if unreachable else None
            if officer is not None:
                officer.unreachable_since = officer.unreachable_since or self._clock()
                officer.unreachable_reason = reason[:300]
        log.log(
            level,
            "delivery %s (%s) failed%s: %s",
            claim.id,
            claim.key,
            "; officer marked unreachable" if unreachable else "",
            reason,
        )


def _due_rows(claimable: ColumnElement[bool], limit: int, dialect: str) -> CTE:
    """The first `limit` claimable rows, evaluated once (a materialised CTE): as a plain
    IN (subquery) PostgreSQL may rescan it and claim more rows than asked. On PostgreSQL
    rows another instance is claiming are skipped, not waited for."""
    due = select(Delivery.id).where(claimable).order_by(Delivery.id).limit(limit)
    if dialect != "postgresql":
        return due.cte("due")
    return due.with_for_update(skip_locked=True).cte("due").prefix_with("MATERIALIZED")
