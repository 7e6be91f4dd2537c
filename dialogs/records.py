"""What workflows register for the CSV files: rows of the export, and team settings.

Export: each workflow registers the record types it stores (`router.export_rows`) with the
columns only its rows fill; the export writes the common columns, then every registered
column once, in registration order. Team settings: each workflow registers the `Team`
columns it owns (`router.team_setting`) with a parser of the cell, and any rule between
settings (`router.team_check`); a blank cell means the column's default.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, time
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Officer

# --- export ------------------------------------------------------------------------------

Row = dict[str, Any]


@dataclass(frozen=True)
class Scope:
    first: date
    last: date
    team_id: int | None = None


@dataclass(frozen=True)
class Names:
    officers: dict[int, Officer]
    teams: dict[int, str]

    def collar(self, officer_id: int | None) -> str:
        officer = self.officers.get(officer_id or 0)
        return officer.collar_number if officer else ""

    def name(self, officer_id: int | None) -> str:
        officer = self.officers.get(officer_id or 0)
        return officer.name if officer else ""

    def team(self, team_id: int | None) -> str:
        return self.teams.get(team_id or 0, "")


@dataclass(frozen=True)
class ExportContext:
    session: AsyncSession
    scope: Scope
    names: Names


@dataclass(frozen=True)
class ExportRows:
    order: int
    load: Callable[[ExportContext], Awaitable[list[Row]]]
    columns: tuple[str, ...] = ()


async def dated_rows(export: ExportContext, model: Any) -> list[Any]:
    """Rows of a model with `day` and `team_id` in the export's scope, by day and id."""
    scope = export.scope
    query = select(model).where(model.day >= scope.first, model.day <= scope.last)
    if scope.team_id is not None:
        query = query.where(model.team_id == scope.team_id)
    return list((await export.session.scalars(query.order_by(model.day, model.id))).all())


def latest_ids(rows: Iterable[Any], key: Callable[[Any], Any]) -> set[int]:
    """Ids of the rows that count: the highest id for each key."""
    newest: dict[Any, int] = {}
    for row in rows:
        newest[key(row)] = max(newest.get(key(row), 0), row.id)
    return set(newest.values())


def officer_row(kind: str, row: Any, names: Names, latest: set[int]) -> Row:
    """The common columns of an answer kept per officer and day."""
    return {
        "record_type": kind,
        "record_id": row.id,
        "day": row.day,
        "team": names.team(row.team_id),
        "collar_number": names.collar(row.officer_id),
        "name": names.name(row.officer_id),
        "latest": row.id in latest,
    }


def officer_answers(kind: str, rows: Sequence[Any], names: Names) -> Iterable[tuple[Row, Any]]:
    """Each answer kept per officer and day with its common columns, the latest marked."""
    latest = latest_ids(rows, lambda r: (r.officer_id, r.day))
    return ((officer_row(kind, row, names, latest), row) for row in rows)


# --- team settings -----------------------------------------------------------------------


@dataclass(frozen=True)
class TeamSetting:
    """A `Team` column set from the team settings CSV."""

    name: str
    parse: Callable[[str], Any]


TeamCheck = Callable[[Mapping[str, Any]], Sequence[str]]
"""Problems with a team's settings taken together (every setting, by name)."""

_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_TRUE = {"yes", "y", "true", "on", "1"}
_FALSE = {"no", "n", "false", "off", "0"}


def parse_time(text: str) -> time:
    match = _TIME.match(text)
    if not match:
        raise ValueError(f"{text!r} is not a time (use 24-hour HH:MM, e.g. 08:00)")
    return time(int(match[1]), int(match[2]))


def parse_flag(text: str) -> bool:
    word = text.lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise ValueError(f"{text!r} is not yes or no")


def whole(low: int, high: int) -> Callable[[str], int]:
    def parse_whole(text: str) -> int:
        if not re.fullmatch(r"\d+", text) or not low <= int(text) <= high:
            raise ValueError(f"{text!r} is not a whole number from {low} to {high}")
        return int(text)

    return parse_whole


def minutes(at: time) -> int:
    return at.hour * 60 + at.minute
