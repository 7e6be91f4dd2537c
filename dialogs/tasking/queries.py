"""Queries for the day's tasks; `TASKS` is the `TaskBook` tasking provides to its router."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from dialogs.tasking.models import Task, TaskAssignee, Tasking
from dialogs.tasks import TaskView


@dataclass(frozen=True)
class NewTask:
    description: str
    reference: str | None
    assignee_ids: tuple[int, ...]


def _view(task: Task, assignee_ids: tuple[int, ...]) -> TaskView:
    return TaskView(
        task.id,
        task.team_id,
        task.day,
        task.position,
        task.description,
        task.reference,
        assignee_ids,
    )


async def assignees(session: AsyncSession, task_ids: Sequence[int]) -> dict[int, tuple[int, ...]]:
    """Task id → its assignees' officer ids, in id order."""
    if not task_ids:
        return {}
    rows = await session.execute(
        select(TaskAssignee.task_id, TaskAssignee.officer_id)
        .where(TaskAssignee.task_id.in_(task_ids))
        .order_by(TaskAssignee.task_id, TaskAssignee.officer_id)
    )
    found: dict[int, tuple[int, ...]] = {}
    for task_id, officer_id in rows:
        found[task_id] = (*found.get(task_id, ()), officer_id)
    return found


class Tasks:
    """The `TaskBook` of the tasking workflow (see `dialogs.tasks`)."""

    async def day_tasks(self, session: AsyncSession, team_id: int, day: date) -> list[TaskView]:
        """The team's tasks for the day by number, with their assignees (two indexed queries)."""
        tasks = (
            await session.scalars(
                select(Task).where(Task.team_id == team_id, Task.day == day).order_by(Task.position)
            )
        ).all()
        found = await assignees(session, [t.id for t in tasks])
        return [_view(task, found.get(task.id, ())) for task in tasks]

    async def by_ids(self, session: AsyncSession, task_ids: Collection[int]) -> dict[int, TaskView]:
        if not task_ids:
            return {}
        tasks = await session.scalars(select(Task).where(Task.id.in_(list(task_ids))))
        return {task.id: _view(task, ()) for task in tasks}

    async def assigned(
        self, session: AsyncSession, team_id: int, first: date, last: date
    ) -> list[tuple[int, int]]:
        rows = await session.execute(
            select(TaskAssignee.officer_id, Task.id)
            .join(Task, Task.id == TaskAssignee.task_id)
            .where(Task.team_id == team_id, Task.day >= first, Task.day <= last)
        )
        return [(officer_id, task_id) for officer_id, task_id in rows]


TASKS = Tasks()


async def add_tasking(
    session: AsyncSession,
    *,
    team_id: int,
    day: date,
    posted_by_id: int,
    posted_at: datetime,
    tasks: Sequence[NewTask],
    first_position: int,
) -> tuple[Tasking, list[TaskView]]:
    """A posting and its tasks, numbered on from `first_position` within the day."""
    tasking = Tasking(team_id=team_id, day=day, posted_by_id=posted_by_id, posted_at=posted_at)
    session.add(tasking)
    await session.flush()
    rows = [
        Task(
            tasking_id=tasking.id,
            team_id=team_id,
            day=day,
            position=first_position + index,
            description=new.description,
            reference=new.reference,
        )
        for index, new in enumerate(tasks)
    ]
    session.add_all(rows)
    await session.flush()
    session.add_all(
        TaskAssignee(task_id=row.id, officer_id=officer_id)
        for row, new in zip(rows, tasks, strict=True)
        for officer_id in new.assignee_ids
    )
    await session.flush()
    return tasking, [_view(r, n.assignee_ids) for r, n in zip(rows, tasks, strict=True)]


async def replace_tasking(
    session: AsyncSession,
    *,
    team_id: int,
    day: date,
    posted_by_id: int,
    posted_at: datetime,
    tasks: Sequence[NewTask],
) -> tuple[Tasking, list[TaskView]]:
    """The day's tasks deleted (with their assignees) and `tasks` recorded as a new posting,
    numbered from 1. Earlier postings stay, without tasks, as who posted when."""
    day_tasks = select(Task.id).where(Task.team_id == team_id, Task.day == day)
    await session.execute(delete(TaskAssignee).where(TaskAssignee.task_id.in_(day_tasks)))
    await session.execute(delete(Task).where(Task.team_id == team_id, Task.day == day))
    return await add_tasking(
        session,
        team_id=team_id,
        day=day,
        posted_by_id=posted_by_id,
        posted_at=posted_at,
        tasks=tasks,
        first_position=1,
    )


async def last_posted(session: AsyncSession, team_id: int, day: date) -> datetime | None:
    """When the team's latest posting for the day was recorded."""
    return await session.scalar(
        select(Tasking.posted_at)
        .where(Tasking.team_id == team_id, Tasking.day == day)
        .order_by(Tasking.id.desc())
        .limit(1)
    )


async def posted_at(session: AsyncSession, task_id: int) -> datetime | None:
    """When the posting that set a task was recorded."""
    return await session.scalar(
        select(Tasking.posted_at)
        .join(Task, Task.tasking_id == Tasking.id)
        .where(Task.id == task_id)
    )
