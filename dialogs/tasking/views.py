"""Tasks in the CSV export: one row per task, with its assignees' collar numbers."""

from __future__ import annotations

from sqlalchemy import select

from dialogs.records import ExportContext, Row
from dialogs.tasking.models import Task, Tasking
from dialogs.tasking.queries import assignees

COLUMNS = ("task_number", "description", "reference", "assignees")


async def export_rows(export: ExportContext) -> list[Row]:
    scope, names = export.scope, export.names
    query = (
        select(Task, Tasking)
        .join(Tasking, Tasking.id == Task.tasking_id)
        .where(Task.day >= scope.first, Task.day <= scope.last)
    )
    if scope.team_id is not None:
        query = query.where(Task.team_id == scope.team_id)
    order = (Task.day, Task.team_id, Task.position)
    pairs = (await export.session.execute(query.order_by(*order))).all()
    assigned = await assignees(export.session, [task.id for task, _ in pairs])
    return [
        {
            "record_type": "task",
            "record_id": task.id,
            "day": task.day,
            "team": names.team(task.team_id),
            "task_number": task.position,
            "description": task.description,
            "reference": task.reference,
            "assignees": " ".join(sorted(names.collar(i) for i in assigned.get(task.id, ()))),
            "recorded_by": names.collar(tasking.posted_by_id),
            "recorded_at": tasking.posted_at,
            "latest": True,
        }
        for task, tasking in pairs
    ]
