"""`pcso-bot export --from DATE --to DATE [--team T] [--out FILE]`: CSV for the force's
own analysis (attendance, tasks and outcomes, counts, BWV answers, one-to-ones).

Each export is written to the audit log with its scope and size, in the same transaction
that reads the data. With `--out`, the file is written (beside the target, under a temporary
name) before that transaction commits and put in place after, so an export that is audited
was written, and a failed one leaves no file and no audit entry.

Exit statuses (as every command's, `bot.cli.errors`): 2 when the operator must fix how it
was run, nothing read or audited (a bad date, an unknown team, an `--out` whose directory
does not exist or cannot be written, like a missing input file elsewhere); 1 when writing
fails midway (a full disk), with nothing audited.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import sys
from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from bot.cli.common import CommandError, OutputFile, in_transaction, operator

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession


def add_export(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("export", help="CSV of attendance, returns, BWV answers and one-to-ones")
    p.add_argument("--from", dest="first", required=True, metavar="DATE", help="YYYY-MM-DD")
    p.add_argument("--to", dest="last", required=True, metavar="DATE", help="YYYY-MM-DD")
    p.add_argument("--team", default=None, help="only this team (by name)")
    p.add_argument("--out", type=Path, default=None, help="write to FILE instead of stdout")
    p.set_defaults(func=_export)


def _date(raw: str, option: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError as error:
        raise CommandError(f"{option} {raw!r} is not a date: use YYYY-MM-DD") from error


def _export(args: argparse.Namespace) -> int:
    first, last = _date(args.first, "--from"), _date(args.last, "--to")
    if last < first:
        raise CommandError("--to is before --from")
    if args.out is None:
        written, text = asyncio.run(in_transaction(_work(args, first, last, None)))
        sys.stdout.write(text)
        return 0
    with OutputFile(args.out) as out:
        written, _ = asyncio.run(in_transaction(_work(args, first, last, out)))
        out.commit()
    print(f"{written} records written to {args.out}", file=sys.stderr)
    return 0


def _work(
    args: argparse.Namespace, first: date, last: date, out: OutputFile | None
) -> Callable[[AsyncSession], Awaitable[tuple[int, str]]]:
    """The export's transaction: read, write the file (if any), audit; the records and the
    CSV text (for stdout)."""

    async def work(session: AsyncSession) -> tuple[int, str]:
        from bot.clock import system_clock
        from dialogs.export import Scope, write_csv
        from storage import audit, officers

        team = await officers.team_by_name(session, args.team) if args.team else None
        if args.team and team is None:
            raise CommandError(f"unknown team {args.team!r}")
        scope = Scope(first=first, last=last, team_id=team.id if team else None)
        buffer = io.StringIO()
        written = await write_csv(session, buffer, scope)
        if out is not None:
            out.write(buffer.getvalue())
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
        return written, buffer.getvalue()

    return work
