"""CSV export for the force's own analysis: one row per record, changes included.

Every stored answer is a row (`record_type` says which kind); `latest` is true for the one
that counts for its officer (or team) and day, so an analysis can keep or drop the changes.
Columns that do not apply to a record type are empty.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TextIO

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    COUNT_FIELDS,
    AttendanceAnswer,
    BwvAnswer,
    Officer,
    OneToOne,
    PcsoReturn,
    Task,
    TaskAssignee,
    Tasking,
    TaskOutcome,
    Team,
    TeamReturn,
)

COLUMNS = (
    "record_type",
    "record_id",
    "day",
    "team",
    "collar_number",
    "name",
    "value",
    "note",
    "task_number",
    "description",
    "reference",
    "assignees",
    *COUNT_FIELDS,
    "osara_progress",
    "engagement_notes",
    "pnb_checked",
    "late",
    "recorded_by",
    "recorded_at",
    "latest",
)

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


async def write_csv(session: AsyncSession, out: TextIO, scope: Scope) -> int:
    """Write the CSV for the scope; the number of records written."""
    writer = csv.DictWriter(out, fieldnames=COLUMNS, extrasaction="raise")
    writer.writeheader()
    names = Names(
        officers={o.id: o for o in await session.scalars(select(Officer))},
        teams={t.id: t.name for t in await session.scalars(select(Team))},
    )
    written = 0
    for rows in (
        _attendance(await _answers(session, AttendanceAnswer, scope), names),
        await _tasks(session, scope, names),
        await _returns(session, scope, names),
        _pcso_returns(await _answers(session, PcsoReturn, scope), names),
        _bwv(await _answers(session, BwvAnswer, scope), names),
        await _one_to_ones(session, scope, names),
    ):
        for row in rows:
            writer.writerow({column: _cell(row.get(column)) for column in COLUMNS})
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


async def _answers(session: AsyncSession, model: Any, scope: Scope) -> list[Any]:
    query = select(model).where(model.day >= scope.first, model.day <= scope.last)
    if scope.team_id is not None:
        query = query.where(model.team_id == scope.team_id)
    return list((await session.scalars(query.order_by(model.day, model.id))).all())


def _latest_ids(rows: Iterable[Any], key: Any) -> set[int]:
    newest: dict[Any, int] = {}
    for row in rows:
        newest[key(row)] = max(newest.get(key(row), 0), row.id)
    return set(newest.values())


def _officer_row(kind: str, row: Any, names: Names, latest: set[int]) -> Row:
    return {
        "record_type": kind,
        "record_id": row.id,
        "day": row.day,
        "team": names.team(row.team_id),
        "collar_number": names.collar(row.officer_id),
        "name": names.name(row.officer_id),
        "latest": row.id in latest,
    }


def _attendance(rows: list[AttendanceAnswer], names: Names) -> Iterator[Row]:
    latest = _latest_ids(rows, lambda r: (r.officer_id, r.day))
    for row in rows:
        yield _officer_row("attendance", row, names, latest) | {
            "value": row.attendance,
            "note": row.note,
            "late": row.late,
            "recorded_at": row.answered_at,
        }


def _bwv(rows: list[BwvAnswer], names: Names) -> Iterator[Row]:
    latest = _latest_ids(rows, lambda r: (r.officer_id, r.day))
    for row in rows:
        yield _officer_row("bwv", row, names, latest) | {
            "value": row.bwv_status,
            "recorded_at": row.answered_at,
        }


def _pcso_returns(rows: list[PcsoReturn], names: Names) -> Iterator[Row]:
    latest = _latest_ids(rows, lambda r: (r.officer_id, r.day))
    for row in rows:
        yield _officer_row("pcso_return", row, names, latest) | {
            "note": row.notes,
            "recorded_at": row.submitted_at,
            **{name: getattr(row, name) for name in COUNT_FIELDS},
        }


async def _tasks(session: AsyncSession, scope: Scope, names: Names) -> list[Row]:
    query = (
        select(Task, Tasking)
        .join(Tasking, Tasking.id == Task.tasking_id)
        .where(Task.day >= scope.first, Task.day <= scope.last)
    )
    if scope.team_id is not None:
        query = query.where(Task.team_id == scope.team_id)
    pairs = (await session.execute(query.order_by(Task.day, Task.team_id, Task.position))).all()
    assigned = await _assignees([task.id for task, _ in pairs], session, names)
    return [
        {
            "record_type": "task",
            "record_id": task.id,
            "day": task.day,
            "team": names.team(task.team_id),
            "task_number": task.position,
            "description": task.description,
            "reference": task.reference,
            "assignees": " ".join(assigned.get(task.id, [])),
            "recorded_by": names.collar(tasking.posted_by_id),
            "recorded_at": tasking.posted_at,
            "latest": True,
        }
        for task, tasking in pairs
    ]


async def _assignees(
    task_ids: list[int], session: AsyncSession, names: Names
) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    if not task_ids:
        return found
    rows = await session.execute(
        select(TaskAssignee.task_id, TaskAssignee.officer_id).where(
            TaskAssignee.task_id.in_(task_ids)
        )
    )
    for task_id, officer_id in rows:
        found.setdefault(task_id, []).append(names.collar(officer_id))
    return {task_id: sorted(collars) for task_id, collars in found.items()}


async def _returns(session: AsyncSession, scope: Scope, names: Names) -> list[Row]:
    """Each returns submission (the counts), then each of its task outcomes."""
    returns = await _answers(session, TeamReturn, scope)
    latest = _latest_ids(returns, lambda r: (r.team_id, r.day))
    by_id = {r.id: r for r in returns}
    rows: list[Row] = [
        {
            "record_type": "team_return",
            "record_id": r.id,
            "day": r.day,
            "team": names.team(r.team_id),
            "note": r.notes,
            "recorded_by": names.collar(r.submitted_by_id),
            "recorded_at": r.submitted_at,
            "latest": r.id in latest,
            **{name: getattr(r, name) for name in COUNT_FIELDS},
        }
        for r in returns
    ]
    if not by_id:
        return rows
    outcomes = await session.execute(
        select(TaskOutcome, Task)
        .join(Task, Task.id == TaskOutcome.task_id)
        .where(TaskOutcome.return_id.in_(list(by_id)))
        .order_by(TaskOutcome.return_id, Task.position)
    )
    for outcome, task in outcomes:
        submitted = by_id[outcome.return_id]
        rows.append(
            {
                "record_type": "task_outcome",
                "record_id": outcome.id,
                "day": task.day,
                "team": names.team(task.team_id),
                "value": outcome.outcome,
                "note": outcome.note,
                "task_number": task.position,
                "description": task.description,
                "reference": task.reference,
                "recorded_by": names.collar(submitted.submitted_by_id),
                "recorded_at": submitted.submitted_at,
                "latest": submitted.id in latest,
            }
        )
    return rows


async def _one_to_ones(session: AsyncSession, scope: Scope, names: Names) -> list[Row]:
    query = select(OneToOne).where(OneToOne.held_on >= scope.first, OneToOne.held_on <= scope.last)
    if scope.team_id is not None:
        query = query.where(OneToOne.team_id == scope.team_id)
    held = (await session.scalars(query.order_by(OneToOne.held_on, OneToOne.id))).all()
    return [
        {
            "record_type": "one_to_one",
            "record_id": row.id,
            "day": row.held_on,
            "team": names.team(row.team_id),
            "collar_number": names.collar(row.officer_id),
            "name": names.name(row.officer_id),
            "osara_progress": row.osara_progress,
            "engagement_notes": row.engagement_notes,
            "pnb_checked": row.pnb_checked,
            "recorded_by": names.collar(row.supervisor_id),
            "recorded_at": row.recorded_at,
            "latest": True,
        }
        for row in held
    ]
