"""Crash safety with real processes: `kill -9` in the middle of a fan-out, several times,
then a restart; and two processes fanning out against one PostgreSQL database.

The fan-out runs as `python -m tests.rig.fanout drive`: the prompt job through
`bot.jobs.run_job`, as the scheduler and `pcso-bot jobs run` run it. The fake connector
runs in this process and counts what arrives. The instants of the kills come from a seeded
generator (`SEED`); the restart's clock is set past the dead runs' leases instead of
waiting for them to expire.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import signal
import sys
from collections import Counter

import pytest
from sqlalchemy import select

from storage.models import ConversationRef, Delivery, DeliveryStatus
from tests.rig.connector import FakeConnector
from tests.rig.fanout import AT, seed

log = logging.getLogger(__name__)

OFFICERS = 150
CRASHES = 5
LEASE_SECONDS = 3
SEED = 20261201


async def start_fan_out(
    database_url: str, teams_sdk: str, instance: str = "", clock_ahead: float = 0.0
) -> asyncio.subprocess.Process:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "PCSO_TEAMS_SDK": teams_sdk,
        "PCSO_INSTANCE_NAME": instance,
        "PCSO_DELIVERY_LEASE_SECONDS": str(LEASE_SECONDS),
        # Long enough that no send times out on a busy machine: a timed-out send is retried
        # and would be a repeat the crash did not cause.
        "PCSO_DELIVERY_TIMEOUT_SECONDS": "2",
        "PCSO_DELIVERY_BACKOFF_SECONDS": "0.05",
        "PCSO_DELIVERY_BACKOFF_MAX_SECONDS": "0.2",
    }
    for name in [n for n in env if n.upper().startswith(("MICROSOFTAPP", "CONNECTIONS__"))]:
        del env[name]
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.rig.fanout",
        "drive",
        "--at",
        AT.isoformat(),
        "--clock-ahead",
        str(clock_ahead),
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def in_flight(sessions, connector: FakeConnector) -> set[str]:  # type: ignore[no-untyped-def]
    """Conversations whose delivery was left `sending` although its message arrived: the
    send under way at the crash, which the restart must repeat (it cannot know)."""
    async with sessions() as session:
        stuck = await session.scalars(
            select(ConversationRef.conversation_id)
            .join(Delivery, Delivery.officer_id == ConversationRef.officer_id)
            .where(Delivery.status == DeliveryStatus.SENDING.value)
        )
        return {conversation for conversation in stuck if connector.delivered[conversation]}


async def arrivals_or_exit(
    connector: FakeConnector, target: int, process: asyncio.subprocess.Process
) -> bool:
    """Wait until `target` messages have arrived (True) or the process ends first (False)."""
    arrived = asyncio.ensure_future(connector.until_delivered(target))
    ended = asyncio.ensure_future(process.wait())
    done, pending = await asyncio.wait(
        {arrived, ended}, timeout=60, return_when=asyncio.FIRST_COMPLETED
    )
    for task in pending:
        task.cancel()
    assert done, "neither the deliveries nor the end of the fan-out within 60 s"
    return arrived in done


async def crash(process: asyncio.subprocess.Process, connector: FakeConnector) -> None:
    process.send_signal(signal.SIGKILL)
    await process.wait()
    async with asyncio.timeout(10):  # this process's connector finishes what had reached it
        await connector.until_idle()


async def test_kill_9_mid_fan_out_then_restart_every_officer_gets_the_prompt(
    database_url, sessions, connector: FakeConnector, teams_sdk: str
):
    conversations = await seed(sessions, OFFICERS, connector.url)
    rng = random.Random(SEED)
    repeatable: set[str] = set()
    in_flight_sends = 0  # summed over crashes: one conversation may be caught at two crashes

    first = await start_fan_out(database_url, teams_sdk)  # killed at a random instant: maybe still
    await asyncio.sleep(rng.uniform(0.5, 2.5))  # starting, recording or sending
    await crash(first, connector)
    caught = await in_flight(sessions, connector)
    repeatable |= caught
    in_flight_sends += len(caught)
    crashes = 1
    for _ in range(CRASHES - 1):
        remaining = OFFICERS - len(connector.delivered)
        if remaining < 2:  # the earlier runs got (nearly) everyone: nothing left to cut short
            break
        process = await start_fan_out(database_url, teams_sdk)
        # Kill it after a few more arrivals, never waiting for more than are left to send.
        target = sum(connector.delivered.values()) + rng.randint(1, min(15, remaining - 1))
        if not await arrivals_or_exit(connector, target, process):
            continue  # it finished what it could claim by itself: no crash to count
        await asyncio.sleep(rng.uniform(0, 0.03))  # between two sends, or during one
        await crash(process, connector)
        crashes += 1
        caught = await in_flight(sessions, connector)
        repeatable |= caught
        in_flight_sends += len(caught)

    # The last crash's claims are free once their lease has expired on the restart's clock.
    last = await start_fan_out(database_url, teams_sdk, clock_ahead=LEASE_SECONDS + 0.1)
    out, err = await last.communicate()
    assert last.returncode == 0, err.decode()

    assert set(connector.delivered) == set(conversations)
    repeated = {c for c, n in connector.delivered.items() if n > 1}
    duplicates = sum(connector.delivered.values()) - len(conversations)
    log.info(
        "%d crashes: %d duplicate(s); %d send(s) were in flight at a crash; last run: %s",
        crashes,
        duplicates,
        in_flight_sends,
        out.decode().strip(),
    )
    # Sends run concurrently, so a crash can catch several in flight; each of those (and only
    # those) may arrive once more, and a conversation caught at two crashes twice more. The
    # issue's "at most one per crash" holds only for serial sends.
    assert repeated <= repeatable
    assert duplicates <= in_flight_sends
    async with sessions() as session:
        statuses = Counter((await session.scalars(select(Delivery.status))).all())
    assert statuses == {DeliveryStatus.SENT.value: OFFICERS}


async def test_two_processes_on_one_postgresql_database_send_each_prompt_once(
    database_url, sessions, connector: FakeConnector, teams_sdk: str
):
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite is the store for one instance; PostgreSQL for several")
    # Enough for several seconds of sending, so the second process is up before the first
    # could finish alone, even on a busy machine.
    conversations = await seed(sessions, 300, connector.url)
    connector.tenant_limit = 50  # each process paces itself: together they are throttled
    connector.retry_after = "0.2"

    processes = [await start_fan_out(database_url, teams_sdk, f"instance-{n}") for n in range(2)]
    outcomes = await asyncio.gather(*(p.communicate() for p in processes))

    for process, (out, err) in zip(processes, outcomes, strict=True):
        assert process.returncode == 0, err.decode()
        log.info("%s", out.decode().strip())
    assert connector.delivered == Counter(dict.fromkeys(conversations, 1))
    async with sessions() as session:
        claimers = Counter(
            claimed.split("/")[0] for claimed in await session.scalars(select(Delivery.claimed_by))
        )
    assert set(claimers) == {"instance-0", "instance-1"}, claimers
    assert sum(claimers.values()) == 300
