"""`pcso-bot jobs list` and `pcso-bot jobs run JOB [--team T] [--at ISO-8601] [--force]`.

`jobs run` takes the scheduler's own path (`bot.jobs.run_job`): it sends what is due by
the instant, catching up a missed time within its grace window, nothing not yet due, and
nothing twice however often it is run. An instant later than now is refused unless
`--force` is given: what it sends is marked sent, so the real run at that time sends nothing.
"""

from __future__ import annotations

import argparse
import asyncio
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.cli.common import CommandError, require_migrated
from bot.clock import Clock, system_clock
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.jobs import JobResult


def add_jobs(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("jobs", help="scheduled jobs: each team's next runs, or run one now")
    jsub = p.add_subparsers(dest="jobs_command", required=True)
    listing = jsub.add_parser("list", help="each team's next run of each job, in local time")
    listing.set_defaults(func=_list)
    run = jsub.add_parser(
        "run", help="run a job now or as if at an instant, as the scheduler would"
    )
    run.add_argument("job", help="e.g. briefing-prompts (see `pcso-bot jobs list`)")
    run.add_argument("--team", help="only this team (default: every team)")
    run.add_argument(
        "--at",
        metavar="ISO-8601",
        help="as if at this instant, e.g. 2026-12-01T08:05 (local time) or 2026-12-01T08:05Z",
    )
    run.add_argument(
        "--force",
        action="store_true",
        help="allow an --at later than now: what it sends now is not sent again at that time",
    )
    run.set_defaults(func=_run)


def parse_instant(text: str, zone: ZoneInfo) -> datetime:
    """An ISO-8601 date and time; without an offset it is local time in `zone`."""
    try:
        instant = datetime.fromisoformat(text.strip())
    except ValueError as error:
        raise CommandError(
            f"--at {text!r} is not an ISO-8601 date and time (e.g. 2026-12-01T08:05)"
        ) from error
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=zone)
    return instant.astimezone(UTC)


def local(instant: datetime, zone: ZoneInfo) -> str:
    return instant.astimezone(zone).strftime("%a %Y-%m-%d %H:%M %Z")


def _list(_args: argparse.Namespace) -> int:
    settings = Settings()
    asyncio.run(require_migrated(settings))
    for line in asyncio.run(_listing(settings)):
        print(line)
    return 0


async def _listing(settings: Settings) -> list[str]:
    from sqlalchemy import select

    from bot.scheduler import ALL_TEAMS, plan
    from dialogs import build_router
    from storage.db import create_engine, create_sessionmaker
    from storage.models import Team

    engine = create_engine(settings.database_url)
    try:
        async with create_sessionmaker(engine)() as session:
            teams = (await session.scalars(select(Team).order_by(Team.name))).all()
            planned = plan(build_router().jobs, teams, system_clock(), settings.zone)
    finally:
        await engine.dispose()
    rows = [
        (
            entry.job,
            entry.team or ALL_TEAMS,
            local(entry.due_at, settings.zone) if entry.due_at else "none in the next 60 days",
        )
        for entry in planned
    ]
    header = ("JOB", "TEAM", f"NEXT RUN ({settings.timezone})")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(2)]
    return [
        f"{job:<{widths[0]}}  {team:<{widths[1]}}  {when}" for job, team, when in [header, *rows]
    ]


def check_not_future(instant: datetime, now: datetime, zone: ZoneInfo, *, force: bool) -> None:
    """`--at` later than now would send that time's messages early and mark them sent, so
    that the real run sends nothing: refused unless the operator says `--force`."""
    if instant > now and not force:
        raise CommandError(
            f"--at {local(instant, zone)} is later than now ({local(now, zone)}): it would "
            "send those messages now and the real run then would send nothing; "
            "add --force if that is what you want"
        )


def _run(args: argparse.Namespace) -> int:
    settings = Settings()
    clock: Clock = system_clock
    now = clock()
    instant = parse_instant(args.at, settings.zone) if args.at else now
    check_not_future(instant, now, settings.zone, force=args.force)
    asyncio.run(require_migrated(settings))
    result = asyncio.run(_run_job(settings, args.job, args.team, instant, clock))
    print(
        f"{args.job} as of {local(instant, settings.zone)}: "
        f"{result.run.occurrences} occurrence(s) due, {result.run.recorded} delivery(ies) "
        f"recorded, {result.sent} sent, {result.failed} failed"
    )
    if result.run.failed_teams:
        print(f"failed for: {', '.join(result.run.failed_teams)} (see the log above)")
        return 1
    return 0


async def _run_job(
    settings: Settings, name: str, team: str | None, now: datetime, clock: Clock
) -> JobResult:
    from bot.jobs import UnknownJob, run_job, standalone_outbox
    from dialogs import build_router
    from storage.db import create_engine, create_sessionmaker

    engine = create_engine(settings.database_url)
    try:
        sessions = create_sessionmaker(engine)
        return await run_job(
            sessions=sessions,
            jobs=build_router().jobs,
            settings=settings,
            outbox=standalone_outbox(sessions, settings, clock),
            name=name,
            now=now,
            team=team,
        )
    except UnknownJob as error:
        raise CommandError(str(error)) from error
    finally:
        await engine.dispose()
