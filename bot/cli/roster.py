"""`pcso-bot roster import FILE [--deactivate-missing]` and `pcso-bot roster export`."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from bot.cli.common import in_transaction, operator, read_csv, rejected

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from storage.roster import ImportSummary


def add_roster(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("roster", help="import or export officers, teams and supervision")
    rsub = p.add_subparsers(dest="roster_command", required=True)
    imp = rsub.add_parser("import", help="idempotent upsert from a roster CSV")
    imp.add_argument("file", type=Path)
    imp.add_argument(
        "--deactivate-missing",
        action="store_true",
        help="mark officers who are not in the file as inactive (leavers)",
    )
    imp.set_defaults(func=_roster_import)
    exp = rsub.add_parser("export", help="print the roster as CSV")
    exp.set_defaults(func=_roster_export)


def _roster_import(args: argparse.Namespace) -> int:
    from bot.clock import system_clock
    from storage import audit, roster

    text = read_csv(args.file)
    try:
        rows = roster.parse(text)
    except roster.RosterError as error:
        raise rejected(args.file, error.errors) from error

    async def apply(session: AsyncSession) -> ImportSummary:
        summary = await roster.apply(session, rows, deactivate_missing=args.deactivate_missing)
        await audit.record(
            session,
            "roster.import",
            at=system_clock(),
            actor=operator(),
            file=str(args.file),
            rows=len(rows),
        )
        return summary

    summary = asyncio.run(in_transaction(apply))
    print(f"{args.file}: {summary.describe()}")
    return 0


def _roster_export(_args: argparse.Namespace) -> int:
    from storage import roster

    sys.stdout.write(asyncio.run(in_transaction(roster.export)))
    return 0
