"""Proactive delivery: claim outbox rows, send them within Teams' limits, record the result.

A job or a turn records a delivery (`storage.outbox`) before anything is sent. Here a
sender claims due rows, sends them concurrently up to Teams' limits (`bot.limits`) and
stores the sent activity id, so that the card can be updated later, or the failure.

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
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
import os
import secrets
import socket
from collections.abc import Awaitable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import CTE

from bot.clock import Clock
from bot.limits import SendLimits, backoff, seconds_to_wait
from bot.sender import ChannelSender, DeliveryError, Opened
from bot.settings import Settings
from bot.slack import CHANNEL as SLACK
from bot.teams import CHANNEL
from dialogs.core import Reply
from storage import references
from storage.models import ConversationRef, Delivery, DeliveryStatus, Officer

log = logging.getLogger(__name__)

RETRIED_STATUSES = frozenset({412, 429, 502, 503, 504})
GONE_STATUSES = frozenset({403, 404})
NO_REFERENCE = "no conversation reference: the officer has not installed the bot"
T = TypeVar("T")


def instance_name(settings: Settings) -> str:
    return (settings.instance_name or f"{socket.gethostname()}:{os.getpid()}")[:60]


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


class Result(enum.Enum):
    SENT = "sent"
    FAILED = "failed"
    DROPPED = "dropped"  # taken over by another instance, or left for its lease to expire


@dataclass
class DrainResult:
    sent: int = 0
    failed: int = 0

    def add(self, result: Result) -> None:
        if result is Result.SENT:
            self.sent += 1
        elif result is Result.FAILED:
            self.failed += 1


class Outbox:
    """Claims and sends due deliveries; one drain at a time per outbox (per process)."""

    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        sender: ChannelSender,
        senders: Mapping[str, ChannelSender] | None = None,
        settings: Settings,
        clock: Clock,
    ) -> None:
        self._sessions = sessions
        # Teams first; other channels (Slack) by name. An officer is reached on the channel
        # of their most recent conversation with the bot.
        self._senders: dict[str, ChannelSender] = {CHANNEL: sender, **(senders or {})}
        self._settings = settings
        self._instance = instance_name(settings)
        self._clock = clock
        self._limits = SendLimits(
            tenant_rate=settings.tenant_rate, conversation_rate=settings.conversation_rate
        )
        self._window = settings.delivery_concurrency
        self._lock = asyncio.Lock()
        self._sending: set[int] = set()

    @property
    def clock(self) -> Clock:
        """The clock its claims and leases are read from; jobs recorded for it use it too."""
        return self._clock

    @property
    def in_flight(self) -> int:
        return len(self._sending)

    async def drain(self) -> DrainResult:
        """Send every delivery that is due, until none is left."""
        async with self._lock:
            return await self._drain()

    async def _drain(self) -> DrainResult:
        """Keep a window of claimed rows in hand, claiming more as half of them finish, and
        renew the lease of those in hand every quarter lease (they may wait on the pacing)."""
        loop = asyncio.get_running_loop()
        renew_every = self._settings.delivery_lease_seconds / 4
        renew_at = loop.time() + renew_every
        result = DrainResult()
        running: dict[asyncio.Task[Result], Claim] = {}
        more = True
        try:
            while more or running:
                if more and len(running) <= self._window // 2:
                    claims = await self._claim(self._window - len(running))
                    more = bool(claims)
                    for claim in claims:
                        running[asyncio.create_task(self._deliver(claim))] = claim
                if running:
                    done, _ = await asyncio.wait(
                        running,
                        timeout=max(0.0, renew_at - loop.time()),
                        return_when=asyncio.FIRST_COMPLETED,
                    )
                    for task in done:
                        del running[task]
                        result.add(task.result())
                if loop.time() >= renew_at:
                    await self._renew(list(running.values()))
                    renew_at = loop.time() + renew_every
        except BaseException:
            await self._abandon(running)
            raise
        return result

    async def _renew(self, claims: list[Claim]) -> None:
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

    async def _abandon(self, running: dict[asyncio.Task[Result], Claim]) -> None:
        """Stopping mid-drain: rows not being sent this instant go back to the queue now; a
        row whose send was under way waits for its lease to expire, as it may have arrived."""
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)
        claims = list(running.values())
        idle = [claim for claim in claims if claim.id not in self._sending]
        self._sending.difference_update(claim.id for claim in claims)
        if not idle:
            return
        async with self._sessions() as session, session.begin():
            for claim in idle:
                await session.execute(
                    update(Delivery)
                    .where(Delivery.id == claim.id, Delivery.claimed_by == claim.token)
                    .where(Delivery.status == DeliveryStatus.SENDING.value)
                    .values(status=DeliveryStatus.PENDING.value, claimed_by=None, claimed_at=None)
                )
        log.info("outbox stopped: %d claimed delivery(ies) handed back unsent", len(idle))

    def _claimable(self, now: datetime) -> ColumnElement[bool]:
        expired = now - timedelta(seconds=self._settings.delivery_lease_seconds)
        return or_(
            and_(
                Delivery.status == DeliveryStatus.PENDING.value,
                Delivery.not_before <= now,
            ),
            and_(
                Delivery.status == DeliveryStatus.SENDING.value,
                Delivery.claimed_at < expired,
            ),
        )

    async def _claim(self, limit: int) -> list[Claim]:
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
                )
                .execution_options(synchronize_session=False)
            )
            claims = [Claim(r.id, r.key, token, r.officer_id, r.payload, r.attempts) for r in rows]
            if claims:
                await _find_targets(session, claims, self._senders)
        return sorted(claims, key=lambda claim: claim.id)

    async def _deliver(self, claim: Claim) -> Result:
        try:
            if claim.target is None:
                return await self._fail(claim, NO_REFERENCE, unreachable=True)
            try:
                reply = Reply.from_dict(claim.payload)
            except (KeyError, TypeError, ValueError) as error:
                return await self._fail(claim, f"unreadable message in the outbox: {error!r}")
            return await self._send(claim, claim.target, reply)
        except Exception:
            log.exception(
                "delivery %s (%s) could not be completed; it is retried when its lease expires",
                claim.id,
                claim.key,
            )
            return Result.DROPPED

    async def _send(self, claim: Claim, target: Target, reply: Reply) -> Result:
        """Attempts until sent, a final answer, or the bound on attempts."""
        attempts = claim.attempts
        if attempts:
            log.info(
                "delivery %s (%s) resumed after %d earlier attempt(s)",
                claim.id,
                claim.key,
                attempts,
            )
        last = "interrupted (an instance stopped during it)"
        while attempts < self._settings.delivery_max_attempts:
            await self._limits.acquire(target.tenant_id, target.conversation_id)
            if not await self._begin_attempt(claim):
                return Result.DROPPED
            attempts += 1
            try:
                activity_id = await self._timed(
                    self._senders[target.channel].send(target.reference, reply)
                )
            except DeliveryError as error:
                self._sending.discard(claim.id)
                if error.status in GONE_STATUSES:
                    return await self._reopen(claim, target, reply, error)
                delay = self._retry_delay(error, attempts, target)
                if delay is None:
                    return await self._fail(claim, str(error))
                last = str(error)
                log.info(
                    "delivery %s (%s) attempt %d failed (%s); retrying in %.2fs",
                    claim.id,
                    claim.key,
                    attempts,
                    last,
                    delay,
                )
                await asyncio.sleep(delay)
                continue
            return await self._record_sent(claim, activity_id, target.conversation_id)
        return await self._fail(claim, f"gave up after {attempts} attempt(s); last: {last}")

    def _retry_delay(self, error: DeliveryError, attempt: int, target: Target) -> float | None:
        """Seconds to wait before the next attempt, or None if the failure is final.

        No status at all (refused connection, timeout) is retried like a 503."""
        if error.status is not None and error.status not in RETRIED_STATUSES:
            return None
        pause = backoff(
            attempt,
            base=self._settings.delivery_backoff_seconds,
            cap=self._settings.delivery_backoff_max_seconds,
        )
        if error.status == 429:
            held = (
                pause
                if error.retry_after is None
                else seconds_to_wait(error.retry_after, self._clock())
            )
            self._limits.throttled(target.tenant_id, held)
            log.warning(
                "Teams throttled tenant %s (429): holding its sends for %.2fs",
                target.tenant_id or "(none)",
                held,
            )
            return 0.0
        return pause

    async def _reopen(
        self, claim: Claim, target: Target, reply: Reply, gone: DeliveryError
    ) -> Result:
        """403/404: the app was removed or the conversation is gone. One attempt to open a new
        1:1 conversation and send there; otherwise the officer is unreachable."""
        if not claim.user_id:
            return await self._fail(claim, f"{gone}; no user id known", unreachable=True)
        opening = f"open:{claim.user_id}"
        await self._limits.acquire(target.tenant_id, opening)
        await self._limits.acquire(target.tenant_id, opening)
        if not await self._begin_attempt(claim):
            return Result.DROPPED
        try:
            opened = await self._timed(
                self._senders[target.channel].open_conversation(
                    target.reference,
                    user_id=claim.user_id,
                    tenant_id=target.tenant_id or None,
                    reply=reply,
                )
            )
        except DeliveryError as error:
            self._sending.discard(claim.id)
            reason = f"{gone}; opening a new conversation failed: {error}"
            return await self._fail(claim, reason, unreachable=True)
        log.info(
            "delivery %s (%s): conversation %s was gone (%s); sent in new conversation %s",
            claim.id,
            claim.key,
            target.conversation_id,
            gone.status,
            opened.conversation_id,
        )
        return await self._record_sent(claim, opened.activity_id, opened.conversation_id, opened)

    async def _timed(self, sending: Awaitable[T]) -> T:
        limit = self._settings.delivery_timeout_seconds
        try:
            return await asyncio.wait_for(sending, timeout=limit)
        except TimeoutError as error:
            raise DeliveryError(f"no answer from Teams within {limit:g}s") from error

    async def _begin_attempt(self, claim: Claim) -> bool:
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
        self._sending.add(claim.id)
        return True

    async def _record_sent(
        self, claim: Claim, activity_id: str, conversation_id: str, opened: Opened | None = None
    ) -> Result:
        now = self._clock()
        async with self._sessions() as session, session.begin():
            await session.execute(
                update(Delivery)
                .where(Delivery.id == claim.id)
                .values(
                    status=DeliveryStatus.SENT.value,
                    channel=claim.target.channel if claim.target else CHANNEL,
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
                await _remember_opened(session, claim, opened, now)
        self._sending.discard(claim.id)
        return Result.SENT

    async def _fail(self, claim: Claim, reason: str, *, unreachable: bool = False) -> Result:
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
        log.warning(
            "delivery %s (%s) failed%s: %s",
            claim.id,
            claim.key,
            "; officer marked unreachable" if unreachable else "",
            reason,
        )
        return Result.FAILED


def _due_rows(claimable: ColumnElement[bool], limit: int, dialect: str) -> CTE:
    """The first `limit` claimable rows, evaluated once (a materialised CTE): as a plain
    IN (subquery) PostgreSQL may rescan it and claim more rows than asked. On PostgreSQL
    rows another instance is claiming are skipped, not waited for."""
    due = select(Delivery.id).where(claimable).order_by(Delivery.id).limit(limit)
    if dialect != "postgresql":
        return due.cte("due")
    return due.with_for_update(skip_locked=True).cte("due").prefix_with("MATERIALIZED")


async def _find_targets(
    session: AsyncSession, claims: list[Claim], senders: Mapping[str, ChannelSender]
) -> None:
    """Each claim's target: the officer's most recent conversation on a channel we can send
    on; else, with Slack on, a DM opened with their Slack id from the roster."""
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
    users = {
        row.id: row
        for row in await session.execute(
            select(Officer.id, Officer.teams_user_id, Officer.slack_user_id).where(
                Officer.id.in_(officer_ids)
            )
        )
    }
    for claim in claims:
        latest = refs.get(claim.officer_id)
        user = users.get(claim.officer_id)
        if latest is not None:
            claim.target = Target(
                latest.channel, latest.conversation_id, latest.tenant_id or "", latest.reference
            )
            claim.user_id = _user_id(latest.channel, user, latest.reference)
        elif SLACK in senders and user is not None and user.slack_user_id:
            uid = user.slack_user_id
            claim.target = Target(SLACK, f"slack-user:{uid}", SLACK, {"user": uid})
            claim.user_id = uid


def _user_id(channel: str, user: Any, reference: dict[str, Any]) -> str | None:
    """The officer's id on the channel (to reopen a conversation): the roster's, else the
    reference's (Teams keeps `{"user": {"id": …}}`, Slack `{"user": "U…"}`)."""
    if user is not None:
        known = user.slack_user_id if channel == SLACK else user.teams_user_id
        if known:
            return str(known)
    found = reference.get("user")
    if isinstance(found, dict):
        found = found.get("id")
    return found if isinstance(found, str) and found else None


async def _remember_opened(
    session: AsyncSession, claim: Claim, opened: Opened, now: datetime
) -> None:
    reference = opened.reference
    await references.remember(
        session,
        officer_id=claim.officer_id,
        channel=claim.target.channel if claim.target else CHANNEL,
        conversation_id=opened.conversation_id,
        service_url=reference.get("serviceUrl", ""),
        tenant_id=(reference.get("conversation") or {}).get("tenantId"),
        reference=reference,
        now=now,
    )


class DeliveryWorker:
    """Drains the outbox in the background: when woken (a turn or job recorded
    deliveries) and every `interval` seconds (other instances' leftovers, expired leases)."""

    def __init__(self, outbox: Outbox, *, interval: float = 5.0) -> None:
        self._outbox = outbox
        self._interval = interval
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._last_round: datetime | None = None
        self._last_error: str | None = None

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

    def health(self) -> dict[str, Any]:
        return {
            "running": self.running,
            "last_round": self._last_round.isoformat() if self._last_round else None,
            "in_flight": self._outbox.in_flight,
            "last_error": self._last_error,
        }

    async def _loop(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self._interval)
            self._wake.clear()
            try:
                await self._outbox.drain()
            except Exception as error:
                self._last_error = f"{type(error).__name__}: {error}"[:300]
                log.exception("outbox delivery round failed; retrying on the next round")
            else:
                self._last_error = None
            self._last_round = self._outbox.clock()
