"""`pcso-bot jobs list` and
`pcso-bot jobs run JOB [--team T] [--at ISO-8601] [--force] [--wait]`.

`jobs run` takes the scheduler's own path (`bot.jobs.run_job`): it sends what is due by
the instant, catching up a missed time within its window, nothing not yet due, and
nothing twice however often it is run. An instant later than now is refused unless
`--force` is given: what it sends is marked sent, so the real run at that time sends nothing.

Without `--wait` it does not wait out Teams' longer backoffs: each delivery gets its first
attempt, and its retries while their waits add up to at most `SHORT_WAIT` seconds; what
still fails stays in the outbox, pending, for the running service's delivery worker to
retry (up to `PCSO_DELIVERY_MAX_ATTEMPTS` attempts in all, and only while its moment
lasts). The summary says which officers (by collar number) and why. `--wait` waits out
every retry here, as the service does. Exit status 0 when everything due was recorded
(deliveries left for retry included), 1 when a team's run failed.
"""

from __future__ import annotations

import argparse
import asyncio
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.cli.common import require_migrated
from bot.clock import Clock, system_clock
from bot.errors import CommandError
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.delivery import Problem
    from bot.jobs import JobResult

# Without --wait, the longest a delivery's retries may wait in all (seconds): Teams' first
# backoffs (about 1 and 2 s) are waited for, a longer one is left to the service.
SHORT_WAIT = 5.0


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
    run.add_argument(
        "--wait",
        action="store_true",
        help="wait out every retry of a failed send here (up to PCSO_DELIVERY_MAX_ATTEMPTS); "
        f"by default a retry more than {SHORT_WAIT:g}s away is left to the running service",
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
    wait_up_to = None if args.wait else SHORT_WAIT
    result = asyncio.run(_run_job(settings, args.job, args.team, instant, clock, wait_up_to))
    for line in summary(args.job, instant, result, settings.zone):
        print(line)
    return 1 if result.run.failed_teams else 0


def summary(name: str, instant: datetime, result: JobResult, zone: ZoneInfo) -> list[str]:
    """What the run did, in counts, then each delivery not sent: whose (collar number) and
    why. Never a name or the message's text."""
    from bot.delivery import Result

    counts = (
        f"{name} as of {local(instant, zone)}: {result.run.occurrences} occurrence(s) due, "
        f"{result.run.recorded} delivery(ies) recorded, {result.sent} sent, "
        f"{result.failed} failed"
    )
    if result.left:
        counts += f", {result.left} left for the service to retry"
    if result.expired:
        counts += f", {result.expired} not sent (their moment had passed)"
    lines = [counts]
    for outcome, heading in (
        (Result.LEFT, "left for the service to retry"),
        (Result.FAILED, "failed"),
        (Result.EXPIRED, "not sent, their moment had passed"),
    ):
        problems = [p for p in result.problems if p.result is outcome]
        if problems:
            lines.append(f"{heading}: {'; '.join(_problem(p, zone) for p in problems)}")
    if result.left:
        lines.append(
            "the running service (pcso-bot serve) retries them; add --wait to wait for them here"
        )
    if result.run.failed_teams:
        lines.append(f"failed for: {', '.join(result.run.failed_teams)} (see the log above)")
    return lines


def _problem(problem: Problem, zone: ZoneInfo) -> str:
    who = problem.collar or "an officer no longer on the roster"
    state = " unreachable" if problem.unreachable else ""
    when = ""
    if problem.retry_at is not None:
        when = f", next attempt from {problem.retry_at.astimezone(zone):%H:%M:%S}"
    return f"{who}{state} ({problem.reason}{when})"


async def _run_job(
    settings: Settings,
    name: str,
    team: str | None,
    now: datetime,
    clock: Clock,
    wait_up_to: float | None,
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
            wait_up_to=wait_up_to,
        )
    except UnknownJob as error:
        raise CommandError(str(error)) from error
    finally:
        await engine.dispose()
