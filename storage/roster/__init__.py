"""Roster CSV: validate every row, then upsert officers, teams and supervision in one go.

Columns (docs/guide.md, "The roster"): collar_number, name, role, team, district, email,
aad_object_id, slack_user_id (the last two optional). A sergeant who supervises several
teams lists them in `team` separated by ';'. Nothing is applied when any row is bad.

`rows` reads and validates the file; `records` applies the rows and exports the roster.
"""

from storage.roster.records import ImportSummary, apply, export
from storage.roster.rows import COLUMNS, REQUIRED_COLUMNS, RosterError, RosterRow, parse

__all__ = [
    "COLUMNS",
    "REQUIRED_COLUMNS",
    "ImportSummary",
    "RosterError",
    "RosterRow",
    "apply",
    "export",
    "parse",
]
