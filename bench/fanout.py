"""Fan-out benchmark: the 08:00 briefing prompt to thousands of officers through a fake Bot
Connector, in a process of its own, that enforces Teams' limits (50 requests a second per
tenant, 7 per conversation, 429 with Retry-After beyond them).

    python -m bench.fanout                    # 7,000 officers, then 300, a process each
    python -m bench.fanout --officers 300     # one size

For each size it prints: delivered, duplicates, 429s received, elapsed time, the ratio to
the floor (officers / 50 a second) and the peak memory of the sending process. The prompts
take the service's own path on a fresh SQLite database: a job records them in the outbox
and the outbox sends them with the Bot Framework SDK (`bot.jobs.run_job`); the elapsed
time covers both. The team, its prompt and the fan-out are the test rig's
(`tests/rig/fanout.py`), as is the fake connector.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import subprocess
import sys
import tempfile
import time as clock
from collections.abc import Sequence
from pathlib import Path

from aiohttp import ClientSession, web

from bot.clock import system_clock
from bot.settings import Settings
from storage.db import create_engine, create_sessionmaker
from storage.migrate import upgrade
from tests.rig.connector import FakeConnector
from tests.rig.fanout import AT, fan_out, seed

TEAMS_RATE = 50
SIZES = (7000, 300)


async def measure(count: int, directory: Path) -> str:
    """One run at `count` officers on a fresh SQLite database; the line to print.

    The fake connector runs in its own process, as Teams would be elsewhere: it judges
    the rate by when requests reach it, and the peak memory measured is the bot's own.
    """
    url = f"sqlite+aiosqlite:///{directory / f'fanout-{count}.db'}"
    engine = create_engine(url)
    await upgrade(engine)
    connector = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.fanout",
        "connector",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert connector.stdin is not None and connector.stdout is not None
    try:
        service_url = (await connector.stdout.readline()).decode().strip()
        sessions = create_sessionmaker(engine)
        await seed(sessions, count, service_url)
        settings = Settings(_env_file=None, database_url=url, app_id="")  # type: ignore[call-arg]
        started = clock.perf_counter()
        result = await fan_out(sessions, settings, AT, system_clock)
        elapsed = clock.perf_counter() - started
        async with ClientSession() as http, http.get(f"{service_url}/fake/stats") as answer:
            stats = await answer.json()
    finally:
        connector.stdin.close()
        await connector.wait()
        await engine.dispose()
    duplicates = stats["messages"] - stats["conversations"]
    floor = count / TEAMS_RATE
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return (
        f"officers={count} delivered={stats['conversations']} duplicates={duplicates} "
        f"failed={result.failed} throttled(429)={stats['throttled']} "
        f"elapsed={elapsed:.1f}s floor={floor:.1f}s ratio={elapsed / floor:.3f} "
        f"peak_memory={peak:.0f}MB"
    )


async def serve_connector() -> None:
    """The fake connector with Teams' limits, until stdin closes; prints its URL first."""
    connector = FakeConnector(tenant_limit=TEAMS_RATE, conversation_limit=7, keep_activities=False)
    runner = web.AppRunner(connector.app(), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    print(f"http://127.0.0.1:{runner.addresses[0][1]}", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    await runner.cleanup()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.fanout", description=__doc__)
    parser.add_argument("mode", nargs="?", choices=("measure", "connector"), default="measure")
    parser.add_argument("--officers", type=int, help="one size only (default: 7000, then 300)")
    args = parser.parse_args(argv)
    if args.mode == "connector":
        asyncio.run(serve_connector())
        return 0
    if args.officers is None:
        for count in SIZES:  # a process each, so that each peak memory is its own
            subprocess.run([sys.executable, "-m", "bench.fanout", "--officers", str(count)])
        return 0
    with tempfile.TemporaryDirectory() as directory:
        print(asyncio.run(measure(args.officers, Path(directory))), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
