"""Fan-out benchmark: the 08:00 briefing prompt to thousands of officers through a fake Bot
Connector, in a process of its own, that enforces Teams' limits (50 requests a second per
tenant, 7 per conversation, 429 with Retry-After beyond them).

    python -m bench.fanout                    # 7,000 officers, then 300, on each Teams SDK
    python -m bench.fanout --officers 300     # one size, on each Teams SDK
    python -m bench.fanout --officers 300 --stacks agents

For each Teams SDK (`PCSO_TEAMS_SDK`: botbuilder, agents) and size, in a process of its own,
it prints: delivered, duplicates, 429s received, elapsed time, the ratio to the floor
(officers / 50 a second) and the peak memory of the sending process; then, with both SDKs,
the agents SDK's elapsed time over botbuilder's for each size (target: at most 1.05). The
prompts take the service's own path on a fresh SQLite database: a job records them in the
outbox and the outbox sends them through the Bot Connector client (`bot.jobs.run_job`),
authenticated as in production: the bot's token comes from the SDK's MSAL, asked of a fake
Entra ID behind a loopback HTTPS_PROXY (tests/rig/entra.py). The elapsed time covers both.
The team, its prompt and the fan-out are the test rig's (`tests/rig/fanout.py`), as is the
fake connector.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
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
from tests.rig.entra import FakeEntra
from tests.rig.fanout import AT, TENANT, fan_out, seed

TEAMS_RATE = 50
SIZES = (7000, 300)
STACKS = ("botbuilder", "agents")
STACK_TARGET = 1.05  # agents / botbuilder
APP_ID, SECRET = "00000000-1111-2222-3333-444444444444", "bench-client-secret"


async def measure(count: int, sdk: str, directory: Path) -> str:
    """One run at `count` officers on `sdk`, on a fresh SQLite database; the line to print.

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
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None,
            database_url=url,
            teams_sdk=sdk,
            app_id=APP_ID,
            app_password=SECRET,
            app_type="SingleTenant",
            app_tenant_id=TENANT,
        )
        with FakeEntra(client_id=APP_ID, client_secret=SECRET).serving(directory) as entra:
            os.environ.update(entra.environment())  # this process's own: it only measures
            started = clock.perf_counter()
            result = await fan_out(sessions, settings, AT, system_clock)
            elapsed = clock.perf_counter() - started
        if len(entra.issued) != 1:
            raise RuntimeError(f"expected one token from Entra ID, got {len(entra.issued)}")
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
        f"stack={sdk} officers={count} delivered={stats['conversations']} duplicates={duplicates} "
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


def stacks(value: str) -> tuple[str, ...]:
    names = tuple(name.strip() for name in value.split(",") if name.strip())
    if not names or set(names) - set(STACKS):
        raise argparse.ArgumentTypeError(f"Teams SDKs are botbuilder and agents, not {value!r}")
    return names


def side_by_side(lines: Sequence[str]) -> list[str]:
    """agents/botbuilder elapsed time per size, from the runs' lines."""
    elapsed: dict[tuple[str, str], float] = {}
    for line in lines:
        found = re.search(r"stack=(\w+) officers=(\d+) .* elapsed=([\d.]+)s", line)
        if found:
            elapsed[(found[1], found[2])] = float(found[3])
    compared = []
    for count in dict.fromkeys(size for _, size in elapsed):
        if ("botbuilder", count) in elapsed and ("agents", count) in elapsed:
            ratio = elapsed[("agents", count)] / elapsed[("botbuilder", count)]
            verdict = "met" if ratio <= STACK_TARGET else "missed"
            compared.append(
                f"officers={count} agents/botbuilder elapsed={ratio:.3f} "
                f"target<={STACK_TARGET} {verdict}"
            )
    return compared


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.fanout", description=__doc__)
    parser.add_argument("mode", nargs="?", choices=("measure", "connector"), default="measure")
    parser.add_argument("--officers", type=int, help="one size only (default: 7000, then 300)")
    parser.add_argument("--stacks", type=stacks, default=STACKS, help="botbuilder,agents")
    parser.add_argument("--stack", choices=STACKS, help="(internal: one run's SDK)")
    args = parser.parse_args(argv)
    if args.mode == "connector":
        asyncio.run(serve_connector())
        return 0
    if args.stack is None:
        lines = []
        for count in (args.officers,) if args.officers else SIZES:
            for sdk in args.stacks:  # a process each, so that each peak memory is its own
                command = [sys.executable, "-m", "bench.fanout", "--officers", str(count)]
                done = subprocess.run(
                    [*command, "--stack", sdk], stdout=subprocess.PIPE, text=True, check=False
                )
                print(done.stdout, end="", flush=True)
                lines.extend(done.stdout.splitlines())
        for line in side_by_side(lines):
            print(line)
        return 0
    with tempfile.TemporaryDirectory() as directory:
        print(asyncio.run(measure(args.officers, args.stack, Path(directory))), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
