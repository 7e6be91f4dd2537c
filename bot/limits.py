"""Teams' rate limits, kept on our side: sends paced per tenant and per conversation.

Teams allows an app 50 requests a second per tenant and 7 a second per conversation
(`PCSO_TENANT_RATE`, `PCSO_CONVERSATION_RATE`). Sends are spaced evenly rather than let out
in bursts: a burst puts a whole second of sends in flight at once, which is more to repeat
after a crash and trips a strict counter on the other side. A 429 holds the whole tenant.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

Clock = Callable[[], float]

# Requests paced at exactly the limit reach Teams bunched by jitter (threads, the network, a
# garbage collection) and count as one too many in some second, each costing a 429 and its
# Retry-After; sending 3% under the limit keeps a strict counter satisfied.
PACING_MARGIN = 1.03

# Idle per-conversation pacers are dropped once this many are kept.
PRUNE_AT = 2000


class Pacer:
    """Hands out send slots at most `rate` a second, evenly spaced; `hold` pauses it."""

    def __init__(self, rate: float, clock: Clock = time.monotonic) -> None:
        self._interval = PACING_MARGIN / rate
        self._clock = clock
        self._next = 0.0
        self._held_until = 0.0
        self.waiters = 0

    async def acquire(self) -> None:
        """Take the next free slot and wait for it.

        A slot is given up and another taken if a hold began meanwhile, or if the wait
        overran the slot by more than half a slot (the event loop was busy): several
        overrun slots used at once would go out as a burst. An overrun slot is given up
        once only, so that a busy loop still makes progress.
        """
        overrun = False
        while True:
            now = self._clock()
            slot = max(now, self._next, self._held_until)
            self._next = slot + self._interval
            if slot > now:
                await asyncio.sleep(slot - now)
            woke = self._clock()
            if woke < self._held_until:
                continue
            if overrun or woke - slot <= self._interval / 2:
                return
            overrun = True

    async def ready(self) -> None:
        """Wait until a slot is free, without taking it."""
        wait = max(self._next, self._held_until) - self._clock()
        while wait > 0:  # a hold may begin while we wait
            await asyncio.sleep(wait)
            wait = max(self._next, self._held_until) - self._clock()

    def try_take(self) -> bool:
        """Take a slot if one is free right now."""
        now = self._clock()
        if now < self._next or now < self._held_until:
            return False
        self._next = now + self._interval
        return True

    def hold(self, seconds: float) -> None:
        self._held_until = max(self._held_until, self._clock() + seconds)

    def idle(self) -> bool:
        now = self._clock()
        return self.waiters == 0 and now >= self._next and now >= self._held_until


class SendLimits:
    """Per-tenant and per-conversation pacing for one sender (one process)."""

    def __init__(
        self, *, tenant_rate: float, conversation_rate: float, clock: Clock = time.monotonic
    ) -> None:
        self._tenant_rate = tenant_rate
        self._conversation_rate = conversation_rate
        self._clock = clock
        self._tenants: dict[str, Pacer] = {}
        self._conversations: dict[str, Pacer] = {}

    async def acquire(self, tenant: str, conversation: str) -> None:
        """Wait until one more request may go to the conversation in the tenant.

        Tenant slots are taken in order of arrival; the conversation's slot is taken only
        when the tenant's comes up, so both spacings hold at the instant of sending. Two
        sends racing for one conversation cost the loser one tenant slot and another wait.
        """
        conversation_pacer = self._conversation(conversation)
        tenant_pacer = self._tenant(tenant)
        conversation_pacer.waiters += 1
        try:
            while True:
                await conversation_pacer.ready()
                await tenant_pacer.acquire()
                if conversation_pacer.try_take():
                    return
        finally:
            conversation_pacer.waiters -= 1

    def throttled(self, tenant: str, seconds: float) -> None:
        """Teams answered 429: nothing more goes to the tenant for `seconds`."""
        self._tenant(tenant).hold(seconds)

    def _tenant(self, tenant: str) -> Pacer:
        pacer = self._tenants.get(tenant)
        if pacer is None:
            pacer = self._tenants[tenant] = Pacer(self._tenant_rate, self._clock)
        return pacer

    def _conversation(self, conversation: str) -> Pacer:
        pacer = self._conversations.get(conversation)
        if pacer is None:
            if len(self._conversations) >= PRUNE_AT:
                self._conversations = {
                    key: kept for key, kept in self._conversations.items() if not kept.idle()
                }
            pacer = self._conversations[conversation] = Pacer(self._conversation_rate, self._clock)
        return pacer


# The jitter's generator; tests pass a seeded one.
JITTER = random.Random()


def backoff(attempt: int, *, base: float, cap: float, rng: random.Random = JITTER) -> float:
    """Exponential backoff with jitter: base·2^(attempt-1) capped, less up to half of it at
    random (drawn from `rng`), so that sends which failed together do not all come back
    together."""
    ceiling = min(cap, base * 2 ** max(0, attempt - 1))
    return ceiling / 2 + rng.uniform(0, ceiling / 2)


RetryAfter = float | datetime  # seconds to wait, or the instant to wait until


def parse_retry_after(value: str | None) -> RetryAfter | None:
    """A `Retry-After` header: a number of seconds, or an HTTP date (an aware instant)."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def seconds_to_wait(retry_after: RetryAfter, now: datetime) -> float:
    """How long a parsed `Retry-After` asks us to wait, as of `now` (the service's clock)."""
    if isinstance(retry_after, datetime):
        return max(0.0, (retry_after - now).total_seconds())
    return retry_after
