"""Team settings CSV: validate every row, then apply them to existing teams in one go.

Columns: `team` (required; a team already on the roster) and any of SETTINGS, the `Team`
columns the workflows register (`router.team_setting`). A blank cell means docs/guide.md's
default (the column's); a column left out of the file leaves that setting as it is; a team
with no row keeps its settings. Nothing is applied when any row is bad, or when a team's
settings together break a rule a workflow registered (`router.team_check`). `check` reports
every problem of a file at once, in line order: bad cells, unknown teams and broken rules.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dialogs import registered
from dialogs.records import TeamSetting
from storage.models import Team
from storage.models.core import team_default

PARSERS: dict[str, TeamSetting] = {s.name: s for s in registered().team_settings}
SETTINGS = tuple(PARSERS)
DEFAULTS: dict[str, Any] = {name: team_default(name) for name in SETTINGS}
COLUMNS = ("team", *SETTINGS)


class TeamSettingsError(Exception):
    """The file is not acceptable; `errors` are line-numbered messages."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class TeamSettingsRow:
    line: int
    team: str
    values: dict[str, Any]  # only the columns the file has


@dataclass
class ImportSummary:
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    not_in_file: list[str] = field(default_factory=list)

    def describe(self) -> str:
        text = f"{_teams(self.updated)} updated, {len(self.unchanged)} unchanged"
        if self.not_in_file:
            text += f"; settings kept for {_teams(self.not_in_file)} not in the file"
        return text


def _teams(names: list[str]) -> str:
    return f"{len(names)} team" if len(names) == 1 else f"{len(names)} teams"


class _Problems:
    """Line-numbered problems, reported in line order; on one line the team's own first."""

    def __init__(self) -> None:
        self._items: list[tuple[int, int, str]] = []

    def add(self, line: int, text: str, *, first: bool = False) -> None:
        self._items.append((line, 0 if first else 1, text))

    def __bool__(self) -> bool:
        return bool(self._items)

    def lines(self) -> list[str]:
        ordered = sorted(self._items, key=lambda item: item[:2])  # stable: file order within
        return [f"line {line}: {text}" for line, _, text in ordered]


@dataclass
class _Read:
    rows: list[TeamSettingsRow]  # the rows whose cells are all good
    named: list[tuple[int, str]]  # (line, team) of every row that names a team, good or bad
    problems: _Problems


def parse(text: str) -> list[TeamSettingsRow]:
    """Validate the whole file; raise `TeamSettingsError` listing every bad line."""
    read = _read(text)
    _raise_if_bad(read.problems, read.rows)
    return read.rows


async def check(session: AsyncSession, text: str) -> list[TeamSettingsRow]:
    """`parse`, and the file against the store: every problem of the file at once (bad
    cells, unknown teams, settings that break a team check), in line order."""
    read = _read(text)
    teams = await _teams_by_name(session)
    for line, name in read.named:
        if name.lower() not in teams:
            read.problems.add(line, _unknown(name), first=True)
    _plan(teams, [row for row in read.rows if row.team.lower() in teams], read.problems)
    _raise_if_bad(read.problems, read.rows)
    return read.rows


def _raise_if_bad(problems: _Problems, rows: list[TeamSettingsRow]) -> None:
    if problems:
        raise TeamSettingsError(problems.lines())
    if not rows:
        raise TeamSettingsError(["the file has no teams"])


def _read(text: str) -> _Read:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    _check_header(header)
    reader.fieldnames = header
    read = _Read(rows=[], named=[], problems=_Problems())
    seen: dict[str, int] = {}
    for raw in reader:
        line = reader.line_num
        if None in raw:
            read.problems.add(line, "more values than columns")
            continue
        cells = {k: (v or "").strip() for k, v in raw.items() if k is not None}
        if not any(cells.values()):
            continue
        if cells.get("team"):
            read.named.append((line, cells["team"]))
        row, problems = _row(line, cells)
        for problem in problems:
            read.problems.add(line, problem)
        if row is None:
            continue
        first = seen.setdefault(row.team.lower(), line)
        if first != line:
            read.problems.add(line, f"team {row.team} appears twice (first on line {first})")
        read.rows.append(row)
    return read


def _check_header(header: list[str]) -> None:
    problems = []
    if "team" not in header:
        problems.append("line 1: missing column: team")
    unknown = [h for h in header if h not in COLUMNS]
    if unknown:
        problems.append(
            f"line 1: unknown column(s): {', '.join(unknown)} (known: {', '.join(COLUMNS)})"
        )
    if problems:
        raise TeamSettingsError(problems)


def _row(line: int, cells: dict[str, str]) -> tuple[TeamSettingsRow | None, list[str]]:
    team = cells.get("team", "")
    problems = [] if team else ["missing team"]
    values: dict[str, Any] = {}
    for name in SETTINGS:
        if name not in cells:
            continue
        if not cells[name]:
            values[name] = DEFAULTS[name]
            continue
        try:
            values[name] = PARSERS[name].parse(cells[name])
        except ValueError as error:
            problems.append(f"{name}: {error}")
    if problems:
        return None, problems
    return TeamSettingsRow(line=line, team=team, values=values), []


async def apply(session: AsyncSession, rows: Iterable[TeamSettingsRow]) -> ImportSummary:
    """Apply validated rows to their teams. The caller commits (or rolls back) the session.

    Every team must already exist (the roster creates teams); if any row names an unknown
    team or ends up inconsistent, `TeamSettingsError` is raised before anything changes.
    """
    rows = list(rows)
    teams = await _teams_by_name(session)
    problems = _Problems()
    for row in rows:
        if row.team.lower() not in teams:
            problems.add(row.line, _unknown(row.team), first=True)
    planned = _plan(teams, [row for row in rows if row.team.lower() in teams], problems)
    if problems:
        raise TeamSettingsError(problems.lines())
    summary = ImportSummary()
    for team, values in planned:
        changed = {k: v for k, v in values.items() if getattr(team, k) != v}
        for name, value in changed.items():
            setattr(team, name, value)
        (summary.updated if changed else summary.unchanged).append(team.name)
    in_file = {team.id for team, _ in planned}
    summary.not_in_file = sorted(t.name for t in teams.values() if t.id not in in_file)
    await session.flush()
    return summary


async def _teams_by_name(session: AsyncSession) -> dict[str, Team]:
    return {t.name.lower(): t for t in (await session.scalars(select(Team))).all()}


def _unknown(name: str) -> str:
    return f"unknown team {name!r} (import the roster first)"


def _plan(
    teams: dict[str, Team], rows: list[TeamSettingsRow], problems: _Problems
) -> list[tuple[Team, dict[str, Any]]]:
    """Each row with its team, checking the team's settings as they would then stand."""
    planned: list[tuple[Team, dict[str, Any]]] = []
    for row in rows:
        team = teams[row.team.lower()]
        merged = {name: getattr(team, name) for name in SETTINGS} | row.values
        for team_check in registered().team_checks:
            for problem in team_check(merged):
                problems.add(row.line, problem)
        planned.append((team, row.values))
    return planned
