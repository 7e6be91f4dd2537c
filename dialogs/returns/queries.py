"""Queries for team returns: nothing is overwritten, the submission with the highest id for
a team and day counts."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from dialogs.counts import COUNT_FIELDS
from dialogs.returns.models import TaskOutcome, TeamReturn


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

    def says(
        self, counts: Mapping[str, int], notes: str | None, outcomes: Mapping[int, Outcome]
    ) -> bool:
        """Whether a submission says the same as this one (a re-submission of it)."""
        return (self.counts, self.notes, self.outcomes) == (dict(counts), notes, dict(outcomes))


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
    """Whether any returns for the team's day are recorded."""
    found = await session.scalar(
        select(TeamReturn.id).where(TeamReturn.team_id == team_id, TeamReturn.day == day).limit(1)
    )
    return found is not None


async def latest_return_ids(
    session: AsyncSession, team_ids: Collection[int], first: date, last: date
) -> dict[tuple[int, date], int]:
    """(team id, day) → id of the returns submission that counts, for days that have one."""
    rows = await session.execute(
        select(TeamReturn.team_id, TeamReturn.day, func.max(TeamReturn.id))
        .where(
            TeamReturn.team_id.in_(list(team_ids)),
            TeamReturn.day >= first,
            TeamReturn.day <= last,
        )
        .group_by(TeamReturn.team_id, TeamReturn.day)
    )
    return {(team_id, day): return_id for team_id, day, return_id in rows}


async def done_tasks(session: AsyncSession, return_ids: Collection[int]) -> set[int]:
    """Ids of the tasks these returns submissions mark `done`."""
    if not return_ids:
        return set()
    rows = await session.scalars(
        select(TaskOutcome.task_id).where(
            TaskOutcome.return_id.in_(list(return_ids)), TaskOutcome.outcome == "done"
        )
    )
    return set(rows.all())


async def returns_against_tasks(session: AsyncSession, team_id: int, day: date) -> str | None:
    """Why the team's tasks for the day can no longer be replaced: returns for the day
    report an outcome for each of them (see `dialogs.tasks.TasksInUse`)."""
    if not await has_return(session, team_id, day):
        return None
    return "the returns for that day are already recorded against its tasks"
