"""The day's tasks as other workflows read them: the team returns report on each task.

The tasking workflow owns the tasks and provides a `TaskBook` to its router
(`router.tasks.provide(...)`); the returns workflow reads them through it, never through
tasking's own modules. A workflow that records something against the day's tasks registers
a `TasksInUse` check (`router.tasks_in_use(...)`): while it gives a reason, tasking does not
replace that day's tasks.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Officer


@dataclass(frozen=True)
class TaskView:
    id: int
    team_id: int
    day: date
    position: int
    description: str
    reference: str | None
    assignee_ids: tuple[int, ...]


class TaskBook(Protocol):
    async def day_tasks(self, session: AsyncSession, team_id: int, day: date) -> list[TaskView]:
        """The team's tasks for the day by number, with their assignees."""
        ...

    async def by_ids(self, session: AsyncSession, task_ids: Collection[int]) -> dict[int, TaskView]:
        """Tasks by id, without their assignees."""
        ...

    async def assigned(
        self, session: AsyncSession, team_id: int, first: date, last: date
    ) -> list[tuple[int, int]]:
        """(officer id, task id) of every assignment of the team's tasks in the period."""
        ...


TasksInUse = Callable[[AsyncSession, int, date], Awaitable[str | None]]
"""`(session, team id, day)`: why the team's tasks for the day can no longer be replaced
(what is recorded against them, e.g. "the returns for that day are already recorded against
its tasks"), or None."""


def task_fact(task: TaskView, people: Mapping[int, Officer]) -> tuple[str, str]:
    """("Task 1", "Patrol town centre [OSARA-22] — Alex Carter, Jordan Patel"): a task as a
    (label, value) fact, never a line a card could read as a numbered list."""
    ref = f" [{task.reference}]" if task.reference else ""
    who = ", ".join(people[i].name for i in task.assignee_ids if i in people)
    return f"Task {task.position}", f"{task.description}{ref} — {who}"
