"""Queries for supervision: the day's tasking and returns, review reads and one-to-ones.

Nothing is overwritten. A tasking posting adds tasks to the team's day; each returns
submission is a complete new row (counts and every task's outcome), and the one with the
highest id counts. One-to-ones are rows too; the newest `held_on` is the last one held.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    COUNT_FIELDS,
    Officer,
    OneToOne,
    ReviewRead,
    Task,
    TaskAssignee,
    Tasking,
    TaskOutcome,
    TeamReturn,
)

OVERDUE_AFTER_DAYS = 35


@dataclass(frozen=True)
class NewTask:
    description: str
    reference: str | None
    assignee_ids: tuple[int, ...]


@dataclass(frozen=True)
class TaskView:
    id: int
    position: int
    description: str
    reference: str | None
    assignee_ids: tuple[int, ...]


@dataclass(frozen=True)
class Outcome:
    outcome: str
    note: str | None


@dataclass(frozen=True)
class ReturnView:
    id: int
    submitted_by_id: int | None
    submitted_at: datetime
    counts: dict[str, int]
    notes: str | None
    outcomes: dict[int, Outcome]  # task id → outcome


# --- tasking -----------------------------------------------------------------------------


async def day_tasks(session: AsyncSession, team_id: int, day: date) -> list[TaskView]:
    """The team's tasks for the day by number, with their assignees (two indexed queries)."""
    tasks = (
        await session.scalars(
            select(Task).where(Task.team_id == team_id, Task.day == day).order_by(Task.position)
        )
    ).all()
    assignees = await _assignees(session, [t.id for t in tasks])
    return [_view(task, assignees.get(task.id, ())) for task in tasks]


async def _assignees(session: AsyncSession, task_ids: Sequence[int]) -> dict[int, tuple[int, ...]]:
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


def _view(task: Task, assignee_ids: tuple[int, ...]) -> TaskView:
    return TaskView(task.id, task.position, task.description, task.reference, assignee_ids)


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


# --- returns -----------------------------------------------------------------------------


async def latest_return(session: AsyncSession, team_id: int, day: date) -> ReturnView | None:
    """The returns submission that counts for the team's day, with its outcomes."""
    row = await session.scalar(
        select(TeamReturn)
        .where(TeamReturn.team_id == team_id, TeamReturn.day == day)
        .order_by(TeamReturn.id.desc())
        .limit(1)
    )
    if row is None:
        return None
    outcomes = await session.scalars(select(TaskOutcome).where(TaskOutcome.return_id == row.id))
    return ReturnView(
        id=row.id,
        submitted_by_id=row.submitted_by_id,
        submitted_at=row.submitted_at,
        counts={name: getattr(row, name) for name in COUNT_FIELDS},
        notes=row.notes,
        outcomes={o.task_id: Outcome(o.outcome, o.note) for o in outcomes},
    )


async def save_return(
    session: AsyncSession,
    *,
    team_id: int,
    day: date,
    submitted_by_id: int,
    submitted_at: datetime,
    counts: Mapping[str, int],
    notes: str | None,
    outcomes: Mapping[int, Outcome],
) -> TeamReturn:
    """A complete returns submission; earlier ones for the day stay as they were."""
    row = TeamReturn(
        team_id=team_id,
        day=day,
        submitted_by_id=submitted_by_id,
        submitted_at=submitted_at,
        notes=notes,
        **{name: counts[name] for name in COUNT_FIELDS},
    )
    session.add(row)
    await session.flush()
    session.add_all(
        TaskOutcome(return_id=row.id, task_id=task_id, outcome=o.outcome, note=o.note)
        for task_id, o in outcomes.items()
    )
    await session.flush()
    return row


async def has_return(session: AsyncSession, team_id: int, day: date) -> bool:
    found = await session.scalar(
        select(TeamReturn.id).where(TeamReturn.team_id == team_id, TeamReturn.day == day).limit(1)
    )
    return found is not None


# --- review reads ------------------------------------------------------------------------


async def mark_read(
    session: AsyncSession, *, team_id: int, day: date, officer_id: int, read_at: datetime
) -> tuple[ReviewRead, bool]:
    """The officer's read of the team's review for the day; True when it is new."""
    existing = await session.scalar(
        select(ReviewRead).where(
            ReviewRead.team_id == team_id,
            ReviewRead.day == day,
            ReviewRead.officer_id == officer_id,
        )
    )
    if existing is not None:
        return existing, False
    read = ReviewRead(team_id=team_id, day=day, officer_id=officer_id, read_at=read_at)
    session.add(read)
    await session.flush()
    return read, True


# --- one-to-ones -------------------------------------------------------------------------


async def last_one_to_ones(
    session: AsyncSession, officer_ids: Collection[int], on_or_before: date
) -> dict[int, date]:
    """Officer id → the date of their last one-to-one up to `on_or_before`.

    One max() per officer on (officer_id, held_on): an index lookup each, however many
    one-to-ones the history holds.
    """
    if not officer_ids:
        return {}
    last = (
        select(func.max(OneToOne.held_on))
        .where(OneToOne.officer_id == Officer.id, OneToOne.held_on <= on_or_before)
        .scalar_subquery()
    )
    rows = await session.execute(select(Officer.id, last).where(Officer.id.in_(list(officer_ids))))
    return {officer_id: held for officer_id, held in rows if held is not None}


def is_overdue(last_held: date | None, on_roster_since: date, today: date) -> bool:
    """More than 35 days since the last one-to-one; with none yet, since joining the roster."""
    since = last_held or on_roster_since
    return (today - since).days > OVERDUE_AFTER_DAYS
