"""CSV export for the force's own analysis: one row per record, changes included.

Every stored answer is a row (`record_type` says which kind), from the rows each workflow
registers (`router.export_rows`); `latest` is true for the one that counts for its officer
(or team) and day, so an analysis can keep or drop the changes. Columns that do not apply
to a record type are empty.
"""

from __future__ import annotations

import csv
from datetime import date, datetime
from typing import Any, TextIO

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dialogs import registered
from dialogs.records import ExportContext, ExportRows, Names, Scope
from storage.models import Officer, Team

__all__ = ["Scope", "columns", "write_csv"]

HEAD = ("record_type", "record_id", "day", "team", "collar_number", "name", "value", "note")
TAIL = ("late", "recorded_by", "recorded_at", "latest")


def columns(sources: list[ExportRows]) -> tuple[str, ...]:
    """The common columns, then each source's own ones (once, in registered order)."""
    own = (c for source in sources for c in source.columns)
    return (*HEAD, *dict.fromkeys(c for c in own if c not in HEAD + TAIL), *TAIL)


async def write_csv(
    session: AsyncSession, out: TextIO, scope: Scope, sources: list[ExportRows] | None = None
) -> int:
    """Write the CSV for the scope (by default of every workflow's rows); the number of
    records written."""
    sources = registered().export if sources is None else sources
    header = columns(sources)
    writer = csv.DictWriter(out, fieldnames=header, extrasaction="raise")
    writer.writeheader()
    names = Names(
        officers={o.id: o for o in await session.scalars(select(Officer))},
        teams={t.id: t.name for t in await session.scalars(select(Team))},
    )
    export = ExportContext(session, scope, names)
    written = 0
    for source in sources:
        for row in await source.load(export):
            writer.writerow({column: _cell(row.get(column)) for column in header})
            written += 1
    return written


# A spreadsheet treats a cell starting with one of these as a formula: free text typed by
# officers (notes, task descriptions) must not run when an analyst opens the export.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return str(value)
