"""The in-process scheduler: APScheduler's asyncio scheduler, started and stopped with the app.

The scheduler only decides *when*; every job is a plain function taking "now" that can be
called directly (tests, `pcso-bot jobs run`).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.settings import Settings
from storage import activities

log = logging.getLogger(__name__)

# Teams redelivers within seconds; a week of ids is ample to recognise any redelivery.
PROCESSED_ID_TTL = timedelta(days=7)


async def forget_old_activity_ids(sessions: async_sessionmaker[AsyncSession], now: datetime) -> int:
    async with sessions() as session, session.begin():
        removed = await activities.forget_before(session, now - PROCESSED_ID_TTL)
    if removed:
        log.info("forgot %d processed activity ids older than %s", removed, PROCESSED_ID_TTL)
    return removed


class Scheduler:
    def __init__(self, *, sessions: async_sessionmaker[AsyncSession], settings: Settings) -> None:
        self._sessions = sessions
        self._settings = settings
        self._scheduler = AsyncIOScheduler(timezone=settings.zone)

    def start(self) -> None:
        self._scheduler.add_job(
            self._forget_ids,
            IntervalTrigger(hours=1, timezone=self._settings.zone),
            id="forget-processed-activity-ids",
            coalesce=True,
            max_instances=1,
        )
        self._scheduler.start()
        log.info("scheduler started (%s)", self._settings.timezone)

    def shutdown(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)

    async def _forget_ids(self) -> None:
        await forget_old_activity_ids(self._sessions, datetime.now(UTC))

    def health(self) -> dict[str, Any]:
        return {
            "running": bool(self._scheduler.running),
            "jobs": len(self._scheduler.get_jobs()),
            "timezone": self._settings.timezone,
        }
