"""`pcso-bot demo load [--weeks N] [--today DATE]`: the fictional Swale district (`bot.demo`)
with its history, so that a bot running on your own machine has something to show in the
supervision tab (docs/guide.md, "Trying the tab with the demo district").

It never touches a real force's data: it refuses (exit 2, nothing written) when
MicrosoftAppId or SLACK_BOT_TOKEN is set (a service for a force), and when the database
holds any team or officer that is not the demo's. Into a database that holds only the demo
it loads again: the demo's people and all their history are replaced, ending on the new day.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING

from bot.cli.common import CommandError, in_transaction, load_settings, safe_url
from bot.clock import system_clock

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.demo import District
    from bot.settings import Settings


def add_demo(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from bot.demo import FEWEST_WEEKS, MOST_WEEKS, WEEKS

    p = sub.add_parser("demo", help="a fictional district to try the bot with (local mode)")
    dsub = p.add_subparsers(dest="demo_command", required=True)
    load = dsub.add_parser(
        "load",
        help="load the fictional Swale district with weeks of history (local mode only)",
        description=(
            "Load the fictional Swale district: three teams, their officers and weeks of "
            "history ending today, with every kind of signal. Only into a database that is "
            "empty or holds only the demo (which it replaces), and only without MicrosoftAppId "
            "or SLACK_BOT_TOKEN."
        ),
    )
    load.add_argument(
        "--weeks",
        type=_weeks(FEWEST_WEEKS, MOST_WEEKS),
        default=WEEKS,
        help=f"weeks of history, {FEWEST_WEEKS} to {MOST_WEEKS} (default {WEEKS})",
    )
    load.add_argument(
        "--today",
        type=_day,
        metavar="YYYY-MM-DD",
        help="the day the history ends (default: today, in PCSO_TIMEZONE)",
    )
    load.set_defaults(func=_load)


def _weeks(fewest: int, most: int) -> Callable[[str], int]:
    def weeks(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = 0
        if not fewest <= value <= most:
            raise argparse.ArgumentTypeError(
                f"{text!r} is not a whole number from {fewest} to {most}"
            )
        return value

    return weeks


def _day(text: str) -> date:
    try:
        day = date.fromisoformat(text.strip())
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from error
    if not 2000 <= day.year <= 2100:
        raise argparse.ArgumentTypeError(f"{text!r} is outside 2000-2100")
    return day


def _refuse_a_service(settings: Settings) -> None:
    for setting, configured in (
        ("MicrosoftAppId", settings.authenticated),
        ("SLACK_BOT_TOKEN", bool(settings.slack_bot_token)),
    ):
        if configured:
            raise CommandError(
                f"{setting} is set, so this is a force's service: the demo's made-up district "
                "is only for a bot on your own machine (local mode); nothing loaded"
            )


def _load(args: argparse.Namespace) -> int:
    settings = load_settings()
    _refuse_a_service(settings)
    today = args.today or system_clock().astimezone(settings.zone).date()

    async def load(session: AsyncSession) -> tuple[District, bool]:
        from bot import demo

        found = await demo.strangers(session)
        if found:
            raise CommandError(
                f"the database {safe_url(settings)} already holds teams or officers that are "
                f"not the demo's ({found.teams} team(s), {found.officers} officer(s), e.g. "
                f"{', '.join(found.examples)}): the demo loads only into an empty database or "
                "one holding only the demo; nothing loaded (point DATABASE_URL at a new "
                "database and run `pcso-bot db upgrade`)"
            )
        replaced = await demo.remove_demo(session)
        written = await demo.write_district(
            session, today=today, weeks=args.weeks, zone=settings.zone
        )
        return written, replaced

    district, replaced = asyncio.run(in_transaction(load))
    for line in summary(district, args.weeks, replaced):
        print(line)
    return 0


def summary(district: District, weeks: int, replaced: bool) -> list[str]:
    """What was loaded, and whom to open the tab as."""
    from dialogs.signals.kinds import TITLES

    verb = "Replaced the demo with" if replaced else "Loaded"
    span = f"{district.first:%a %d %b %Y} to {district.today:%a %d %b %Y}"
    lines = [
        f"{verb} the {district.name} district: fictional (made-up people, answers and "
        "history; addresses @police.example).",
        f"{len(district.names)} officers; {weeks} weeks of history, {span} (that day: the "
        "briefing answers only).",
    ]
    for team in district.team_ids:
        sergeants = ", ".join(district.sergeants[team])
        lines.append(f"  {team}: {len(district.members(team))} members, sergeant {sergeants}")
    lines.append("Open signals, one of each kind:")
    for kind, expected in district.expected.items():
        lines.append(f"  {expected.collar} {district.names[expected.collar]}: {TITLES[kind]}")
    sergeant = district.sergeants[next(iter(district.team_ids))][0]
    pcso = next(iter(district.pcsos.values()))[0]
    lines.append("Open the supervision tab (with `pcso-bot serve` running) as:")
    for collar, who in (
        (sergeant, "a sergeant of two teams"),
        (district.inspector, "the district's inspector"),
        (pcso, "a PCSO: their own week"),
    ):
        lines.append(f"  pcso-bot dashboard link --as {collar}   {district.names[collar]}, {who}")
    return lines
