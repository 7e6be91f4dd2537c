"""`pcso-bot teams import FILE.csv`: team settings (times, days, links, ratios, returns on/off)."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

from bot.cli.common import in_transaction, operator, read_csv, rejected

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from dialogs.team_settings import ImportSummary


def add_teams(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("teams", help="team settings")
    tsub = p.add_subparsers(dest="teams_command", required=True)
    imp = tsub.add_parser(
        "import", help="briefing, review, BWV and returns times and more, from a CSV"
    )
    imp.add_argument("file", type=Path)
    imp.set_defaults(func=_teams_import)


def _teams_import(args: argparse.Namespace) -> int:
    from bot.clock import system_clock
    from dialogs import team_settings
    from storage import audit

    text = read_csv(args.file)

    async def apply(session: AsyncSession) -> ImportSummary:
        # The whole file against the store at once: bad cells and unknown teams alike.
        rows = await team_settings.check(session, text)
        summary = await team_settings.apply(session, rows)
        await audit.record(
            session,
            "teams.import",
            at=system_clock(),
            actor=operator(),
            file=str(args.file),
            updated=summary.updated,
        )
        return summary

    try:
        summary = asyncio.run(in_transaction(apply))
    except team_settings.TeamSettingsError as error:
        raise rejected(args.file, error.errors) from error
    print(f"{args.file}: {summary.describe()}")
    return 0
