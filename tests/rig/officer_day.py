"""Helpers for the officer's-day tests: the clock the test sets and the app is built with,
jobs run "as if at" an instant, and waiting until every recorded delivery has reached the
fake connector."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.jobs import JobResult, run_job, standalone_outbox
from bot.settings import Settings
from dialogs import build_router
from storage.models import Delivery, DeliveryStatus
from storage.roster import RosterRow
from tests.rig.connector import FakeConnector
from tests.rig.teams import TeamsUser

SETTLE_SECONDS = 10.0


@dataclass
class Clock:
    """The service's clock in a test: `create_app(settings, clock=...)` is given it, so its
    turns, jobs, outbox and Slack's replay check all read `now`, which the test moves."""

    now: datetime

    def __call__(self) -> datetime:
        return self.now


async def settle(sessions: async_sessionmaker[AsyncSession]) -> None:
    """Wait until no delivery is pending or being sent.

    The app's own delivery worker may claim rows before the test's outbox does; this waits
    for it to finish them, so assertions see everything that was sent.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + SETTLE_SECONDS
    busy = (DeliveryStatus.PENDING.value, DeliveryStatus.SENDING.value)
    while True:
        async with sessions() as session:
            left = await session.scalar(
                select(func.count()).select_from(Delivery).where(Delivery.status.in_(busy))
            )
        if not left:
            return
        if loop.time() > deadline:
            raise AssertionError(f"{left} deliveries still unsent after {SETTLE_SECONDS} s")
        await asyncio.sleep(0.02)


async def deliver(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, clock: Clock
) -> None:
    """Send what turns recorded in the outbox, deterministically, as of the test's clock."""
    await standalone_outbox(sessions, settings, clock).drain()
    await settle(sessions)


async def run(
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    name: str,
    at: datetime,
    team: str | None = None,
) -> JobResult:
    """Run a job as the scheduler does when it fires at `at` (its clock reads `at`), and
    deliver what it recorded."""
    result = await run_job(
        sessions=sessions,
        jobs=build_router().jobs,
        settings=settings,
        outbox=standalone_outbox(sessions, settings, Clock(at)),
        name=name,
        now=at,
        team=team,
    )
    await settle(sessions)
    return result


def officers_of(
    rows: Iterable[RosterRow],
    make: Callable[..., TeamsUser],
    connector: FakeConnector,
) -> dict[str, TeamsUser]:
    """A Teams user per roster row, by collar; officers with no AAD id are found by email."""
    users: dict[str, TeamsUser] = {}
    for row in rows:
        user = make(row)
        if not row.aad_object_id:
            connector.add_member(user.user_id, email=row.email)
        users[row.collar_number] = user
    return users


async def install_all(users: dict[str, TeamsUser]) -> None:
    for user in users.values():
        await user.install()
