"""The service's background drain of the outbox."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime
from typing import Any

from bot.delivery.outbox import Outbox

log = logging.getLogger(__name__)


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
        self._stopping = False

    def start(self) -> None:
        self._stopping = False
        self._task = asyncio.create_task(self._loop(), name="outbox-delivery")

    def wake(self) -> None:
        self._wake.set()

    async def stop(self) -> None:
        """Stop the loop: it is cancelled once (a round under way hands its claims back,
        `Outbox.drain`), and it ends at the next turn of the loop in any case, should
        anything a round awaits swallow the cancellation (seen in the suite: the loop went
        on round after round and the service's shutdown waited for ever). Not cancelled
        again: a second cancellation would cut the hand-back's own database work short."""
        task, self._task = self._task, None
        if task is None:
            return
        self._stopping = True
        self._wake.set()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

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
        # `asyncio.timeout`, not `asyncio.wait_for`: on Python 3.11, a cancellation that
        # arrives as wait_for's timeout fires is swallowed, and the worker would go on for
        # ever after `stop` (seen at shutdown, with a delivery retrying meanwhile).
        while not self._stopping:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._interval):
                    await self._wake.wait()
            if self._stopping:
                break
            self._wake.clear()
            try:
                await self._outbox.drain()
            except Exception as error:
                self._last_error = f"{type(error).__name__}: {error}"[:300]
                log.exception("outbox delivery round failed; retrying on the next round")
            else:
                self._last_error = None
            self._last_round = self._outbox.clock()
