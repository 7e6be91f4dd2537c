"""`pcso-bot export --from DATE --to DATE [--team T] [--out FILE]`: CSV for the force's
own analysis (attendance, tasks and outcomes, counts, BWV answers, one-to-ones).

Each export is written to the audit log with its scope and size, in the same transaction
that reads the data.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import sys
from datetime import date
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from bot.cli.common import in_transaction, operator


def add_export(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("export", help="CSV of attendance, returns, BWV answers and one-to-ones")
    p.add_argument("--from", dest="first", required=True, metavar="DATE", help="YYYY-MM-DD")
    p.add_argument("--to", dest="last", required=True, metavar="DATE", help="YYYY-MM-DD")
    p.add_argument("--team", default=None, help="only this team (by name)")
    p.add_argument("--out", type=Path, default=None, help="write to FILE instead of stdout")
    p.set_defaults(func=_export)


class ExportError(Exception):
    """An operator mistake: printed as one line, exit status 2, nothing exported."""


def _date(raw: str, option: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError as error:
        raise ExportError(f"{option} {raw!r} is not a date: use YYYY-MM-DD") from error


def _export(args: argparse.Namespace) -> int:
    try:
        written, text = _run(args)
    except ExportError as error:
        print(f"pcso-bot: {error}", file=sys.stderr)
        return 2
    if args.out is None:
        sys.stdout.write(text)
    else:
        args.out.write_text(text, encoding="utf-8")
        print(f"{written} records written to {args.out}", file=sys.stderr)
    return 0


def _run(args: argparse.Namespace) -> tuple[int, str]:
    from bot.clock import system_clock

    first, last = _date(args.first, "--from"), _date(args.last, "--to")
    if last < first:
        raise ExportError("--to is before --from")
    buffer = io.StringIO()

    async def work(session: AsyncSession) -> int:
        from dialogs.export import Scope, write_csv
        from storage import audit, officers

        team = await officers.team_by_name(session, args.team) if args.team else None
        if args.team and team is None:
            raise ExportError(f"unknown team {args.team!r}")
        scope = Scope(first=first, last=last, team_id=team.id if team else None)
        written = await write_csv(session, buffer, scope)
        await audit.record(
            session,
            "export",
            at=system_clock(),
            actor=operator(),
            first=first.isoformat(),
            last=last.isoformat(),
            team=team.name if team else None,
            records=written,
            out=str(args.out) if args.out else "stdout",
        )
        return written

    written = asyncio.run(in_transaction(work))
    return written, buffer.getvalue()
