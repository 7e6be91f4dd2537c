"""Proactive delivery: claim outbox rows, send them within the channels' limits, record
the result.

A job or a turn records a delivery (`storage.outbox`) before anything is sent. Here the
outbox claims due rows (`bot.delivery.ledger`), sends them concurrently up to the limits
(`bot.limits`) through the sender of each row's channel, and stores the sent activity id,
so that the card can be updated later, or the failure. It knows the channels only by name.

Retries: 412, 429, 502, 503, 504 and no answer at all are tried again, with backoff (or
Teams' `Retry-After`), up to `PCSO_DELIVERY_MAX_ATTEMPTS` attempts in all, counted across
every sender that claims the row. The service waits out every retry. `drain(wait_up_to=S)`
(what `pcso-bot jobs run` does without `--wait`) waits for retries only while a delivery's
waits add up to at most S seconds; a later retry is left in the outbox, pending from the
instant it is due, for the service's delivery worker. A job's delivery not sent before its
window closes (its `send_by`, see `dialogs.jobs`) is not sent at all: its moment has passed.
"""

from __future__ import annotations

import asyncio
import enum
import logging
from collections.abc import Awaitable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channels.base import ChannelSender, DeliveryError, Opened
from bot.clock import Clock
from bot.delivery.ledger import Ledger
from bot.delivery.targets import Claim, Target
from bot.limits import SendLimits, backoff, seconds_to_wait
from bot.settings import Settings
from dialogs.core import Reply

log = logging.getLogger(__name__)

RETRIED_STATUSES = frozenset({412, 429, 502, 503, 504})
GONE_STATUSES = frozenset({403, 404})
NO_REFERENCE = "no conversation reference: the officer has not installed the bot"
T = TypeVar("T")


class Result(enum.Enum):
    SENT = "sent"
    FAILED = "failed"
    LEFT = "left"  # pending again for a later retry, or left for its lease to expire
    EXPIRED = "expired"  # not sent: its moment had passed
    DROPPED = "dropped"  # taken over by another instance, which sends it


@dataclass(frozen=True)
class Problem:
    """A delivery this drain did not send: whose (collar number) and why, in words."""

    collar: str
    result: Result
    reason: str
    unreachable: bool = False
    retry_at: datetime | None = None  # a delivery left for later: when it is retried


@dataclass(frozen=True)
class Outcome:
    """What became of one claimed delivery, and the problem to report if it was not sent."""

    result: Result
    problem: Problem | None = None


SENT = Outcome(Result.SENT)
DROPPED = Outcome(Result.DROPPED)


@dataclass
class DrainResult:
    """What a drain did: counts by result, and each delivery not sent (`problems`)."""

    sent: int = 0
    failed: int = 0
    left: int = 0
    expired: int = 0
    problems: list[Problem] = field(default_factory=list)

    def add(self, outcome: Outcome) -> None:
        if outcome.result is Result.SENT:
            self.sent += 1
        elif outcome.result is Result.FAILED:
            self.failed += 1
        elif outcome.result is Result.LEFT:
            self.left += 1
        elif outcome.result is Result.EXPIRED:
            self.expired += 1
        if outcome.problem is not None:
            self.problems.append(outcome.problem)


class Outbox:
    """Claims and sends due deliveries; one drain at a time per outbox (per process).

    `senders` maps a channel name to its sender; an officer is reached on the channel of
    their most recent conversation with the bot, else on the first channel (in the order
    given) that can reach them by their roster id alone.
    """

    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        senders: Mapping[str, ChannelSender],
        settings: Settings,
        clock: Clock,
    ) -> None:
        self._senders = dict(senders)
        self._settings = settings
        self._clock = clock
        self._ledger = Ledger(sessions=sessions, settings=settings, clock=clock)
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

    async def drain(self, *, wait_up_to: float | None = None) -> DrainResult:
        """Send every delivery that is due, until none is left.

        With `wait_up_to`, a delivery's retries are waited for only while its waits add up
        to at most that many seconds; a later retry is left pending for the service's
        delivery worker (`Result.LEFT`). Without it every retry is waited out."""
        async with self._lock:
            return await self._drain(wait_up_to)

    async def _drain(self, wait_up_to: float | None) -> DrainResult:
        """Keep a window of claimed rows in hand, claiming more as half of them finish, and
        renew the lease of those in hand every quarter lease (they may wait on the pacing)."""
        loop = asyncio.get_running_loop()
        renew_every = self._settings.delivery_lease_seconds / 4
        renew_at = loop.time() + renew_every
        result = DrainResult()
        running: dict[asyncio.Task[Outcome], Claim] = {}
        more = True
        try:
            while more or running:
                if more and len(running) <= self._window // 2:
                    claims = await self._claim(self._window - len(running))
                    more = bool(claims)
                    for claim in claims:
                        running[asyncio.create_task(self._deliver(claim, wait_up_to))] = claim
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
                    await self._ledger.renew(list(running.values()))
                    renew_at = loop.time() + renew_every
        except BaseException:
            await self._abandon(running)
            raise
        return result

    async def _claim(self, limit: int) -> list[Claim]:
        """Claim up to `limit` due rows, each with its target."""
        return await self._ledger.claim(limit, self._senders)

    async def _abandon(self, running: dict[asyncio.Task[Outcome], Claim]) -> None:
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
        await self._ledger.hand_back(idle)
        log.info("outbox stopped: %d claimed delivery(ies) handed back unsent", len(idle))

    async def _deliver(self, claim: Claim, wait_up_to: float | None = None) -> Outcome:
        try:
            send_by = claim.send_by
            if send_by is not None and self._clock() >= send_by:
                return await self._expire(claim, f"its moment passed at {self._local(send_by)}")
            if claim.target is None:
                return await self._fail(claim, NO_REFERENCE, unreachable=True)
            try:
                reply = Reply.from_dict(claim.payload)
            except (KeyError, TypeError, ValueError) as error:
                return await self._fail(claim, f"unreadable message in the outbox: {error!r}")
            return await self._send(claim, claim.target, reply, wait_up_to)
        except Exception:
            log.exception(
                "delivery %s (%s) could not be completed; it is retried when its lease expires",
                claim.id,
                claim.key,
            )
            reason = "could not be completed (see the log); retried when its lease expires"
            return Outcome(Result.LEFT, Problem(claim.collar, Result.LEFT, reason))

    async def _send(
        self, claim: Claim, target: Target, reply: Reply, wait_up_to: float | None
    ) -> Outcome:
        """Attempts until sent, a final answer, the bound on attempts, or a retry later than
        this drain waits for (`wait_up_to`) or than the delivery's moment (`send_by`)."""
        limit = self._settings.delivery_max_attempts
        attempts = claim.attempts
        if attempts:
            log.info(
                "delivery %s (%s) resumed after %d of %d attempt(s)",
                claim.id,
                claim.key,
                attempts,
                limit,
            )
        waited = 0.0
        last = "interrupted (an instance stopped during it)"
        while attempts < limit:
            await self._limits.acquire(target.tenant_id, target.conversation_id)
            if not await self._begin_attempt(claim):
                return DROPPED
            attempts += 1
            try:
                activity_id = await self._timed(
                    target, self._senders[target.channel].send(target.reference, reply)
                )
            except DeliveryError as error:
                self._sending.discard(claim.id)
                if error.status in GONE_STATUSES:
                    return await self._reopen(claim, target, reply, error)
                delay = self._retry_delay(error, attempts, target)
                if delay is None:
                    return await self._fail(claim, str(error))
                last = str(error)
                failed = (claim.id, claim.key, attempts, limit, last)
                if attempts >= limit:
                    log.info("delivery %s (%s) attempt %d of %d failed (%s); giving up", *failed)
                    break
                retry_at = self._clock() + timedelta(seconds=delay)
                send_by = claim.send_by
                if send_by is not None and retry_at >= send_by:
                    log.info(
                        "delivery %s (%s) attempt %d of %d failed (%s); not retried: "
                        "its moment passes first",
                        *failed,
                    )
                    moment = f"its moment passed at {self._local(send_by)}"
                    return await self._expire(claim, f"{moment}; last attempt: {last}")
                if wait_up_to is not None and waited + delay > wait_up_to:
                    log.info(
                        "delivery %s (%s) attempt %d of %d failed (%s); "
                        "left for the delivery worker to retry in %.1fs",
                        *failed,
                        delay,
                    )
                    return await self._leave(claim, last, retry_at)
                log.info(
                    "delivery %s (%s) attempt %d of %d failed (%s); retrying in %.1fs",
                    *failed,
                    delay,
                )
                waited += delay
                await asyncio.sleep(delay)
                continue
            return await self._record_sent(claim, target, activity_id, target.conversation_id)
        return await self._fail(claim, f"gave up after {attempts} attempt(s); last: {last}")

    def _retry_delay(self, error: DeliveryError, attempt: int, target: Target) -> float | None:
        """Seconds to wait before the next attempt, or None if the failure is final.

        No status at all (refused connection, timeout) is retried like a 503. A 429 holds
        every send to the tenant for its `Retry-After` (else the backoff)."""
        if error.status is not None and error.status not in RETRIED_STATUSES:
            return None
        pause = backoff(
            attempt,
            base=self._settings.delivery_backoff_seconds,
            cap=self._settings.delivery_backoff_max_seconds,
        )
        if error.status != 429:
            return pause
        held = pause
        if error.retry_after is not None:
            held = seconds_to_wait(error.retry_after, self._clock())
        self._limits.throttled(target.tenant_id, held)
        log.warning(
            "%s throttled tenant %s (429): holding its sends for %.2fs",
            target.channel,
            target.tenant_id or "(none)",
            held,
        )
        return held

    async def _reopen(
        self, claim: Claim, target: Target, reply: Reply, gone: DeliveryError
    ) -> Outcome:
        """403/404: the app was removed or the conversation is gone. One attempt to open a new
        1:1 conversation and send there; otherwise the officer is unreachable."""
        if not claim.user_id:
            return await self._fail(claim, f"{gone}; no user id known", unreachable=True)
        opening = f"open:{claim.user_id}"
        await self._limits.acquire(target.tenant_id, opening)
        await self._limits.acquire(target.tenant_id, opening)
        if not await self._begin_attempt(claim):
            return DROPPED
        try:
            opened = await self._timed(
                target,
                self._senders[target.channel].open_conversation(
                    target.reference,
                    user_id=claim.user_id,
                    tenant_id=target.tenant_id or None,
                    reply=reply,
                ),
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
        return await self._record_sent(
            claim, target, opened.activity_id, opened.conversation_id, opened
        )

    async def _timed(self, target: Target, sending: Awaitable[T]) -> T:
        limit = self._settings.delivery_timeout_seconds
        try:
            return await asyncio.wait_for(sending, timeout=limit)
        except TimeoutError as error:
            raise DeliveryError(f"no answer from {target.channel} within {limit:g}s") from error

    async def _begin_attempt(self, claim: Claim) -> bool:
        if not await self._ledger.begin_attempt(claim):
            return False
        self._sending.add(claim.id)
        return True

    async def _record_sent(
        self,
        claim: Claim,
        target: Target,
        activity_id: str,
        conversation_id: str,
        opened: Opened | None = None,
    ) -> Outcome:
        await self._ledger.record_sent(claim, target, activity_id, conversation_id, opened)
        self._sending.discard(claim.id)
        return SENT

    async def _fail(self, claim: Claim, reason: str, *, unreachable: bool = False) -> Outcome:
        await self._ledger.fail(claim, reason, unreachable=unreachable)
        return Outcome(Result.FAILED, Problem(claim.collar, Result.FAILED, reason, unreachable))

    async def _expire(self, claim: Claim, reason: str) -> Outcome:
        """Not sent, and never will be: the message's moment has passed."""
        await self._ledger.fail(claim, f"not sent: {reason}", unreachable=False, level=logging.INFO)
        return Outcome(Result.EXPIRED, Problem(claim.collar, Result.EXPIRED, reason))

    async def _leave(self, claim: Claim, reason: str, retry_at: datetime) -> Outcome:
        """Pending again from `retry_at`, for the service's delivery worker to retry."""
        await self._ledger.leave(claim, reason, retry_at)
        return Outcome(Result.LEFT, Problem(claim.collar, Result.LEFT, reason, retry_at=retry_at))

    def _local(self, instant: datetime) -> str:
        return instant.astimezone(self._settings.zone).strftime("%H:%M %Z")
