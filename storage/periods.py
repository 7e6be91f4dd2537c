"""Figures over a run of briefing days: the monthly one-to-one preparation and the
inspector's weekly roll-up.

Read with the same indexed, per-team queries as the morning review, over the period's
dates only.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    PRESENT,
    AttendanceAnswer,
    BwvAnswer,
    Officer,
    PcsoReturn,
    ReviewRead,
    Task,
    TaskAssignee,
    TaskOutcome,
    Team,
    TeamReturn,
)
from storage.officer_day import away_days, latest_answers
from storage.review import LoadedDays, joined_on, on_duty

PLANNED_OFF = ("rest_day", "annual_leave")


@dataclass
class Figures:
    """Counts over a run of briefing days; rates are left to the reader of the numbers."""

    briefings_expected: int = 0
    briefings_attended: int = 0
    tasks_assigned: int = 0
    tasks_done: int = 0
    bwv_due: int = 0
    bwv_answered: int = 0
    bwv_categorised: int = 0
    vulnerable_engagements: int = 0

    def add(self, other: Figures) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


async def period_figures(
    session: AsyncSession,
    team: Team,
    members: Sequence[Officer],
    briefing_days: Sequence[date],
    zone: ZoneInfo,
) -> dict[int, Figures]:
    """Officer id → their figures over the team's briefing days in the period.

    A briefing is expected unless the officer was away, had not yet joined, or answered
    rest day or annual leave; attended means in person or remote. BWV is due on days on
    duty (as for the reminder) and counted answered when any answer was given.
    """
    figures = {m.id: Figures() for m in members}
    if not briefing_days:
        return figures
    first, last = min(briefing_days), max(briefing_days)
    loaded = LoadedDays(
        members=members,
        attendance=await latest_answers(session, AttendanceAnswer, first, last, team_id=team.id),
        away=await away_days(session, list(figures), briefing_days),
        bwv=await latest_answers(session, BwvAnswer, first, last, team_id=team.id),
        pcso=await latest_answers(session, PcsoReturn, first, last, team_id=team.id),
    )
    for member in members:
        since = joined_on(member, zone)
        for day in briefing_days:
            if day >= since:
                _count_day(figures[member.id], loaded, member.id, day)
    for (officer_id, _day), row in loaded.pcso.items():
        if officer_id in figures:
            figures[officer_id].vulnerable_engagements += row.vulnerable_engagements
    await _count_tasks(session, team.id, first, last, figures)
    return figures


def _count_day(figures: Figures, loaded: LoadedDays, officer_id: int, day: date) -> None:
    key = (officer_id, day)
    answer = loaded.attendance.get(key)
    if key not in loaded.away and (answer is None or answer.attendance not in PLANNED_OFF):
        figures.briefings_expected += 1
        figures.briefings_attended += answer is not None and answer.attendance in PRESENT
    if on_duty(loaded, officer_id, day):
        figures.bwv_due += 1
        bwv = loaded.bwv.get(key)
        figures.bwv_answered += bwv is not None
        figures.bwv_categorised += bwv is not None and bwv.bwv_status == "categorised"


async def _count_tasks(
    session: AsyncSession, team_id: int, first: date, last: date, figures: dict[int, Figures]
) -> None:
    """Tasks assigned to each officer in the period, and those the day's returns mark done."""
    done = await done_tasks(session, team_id, first, last)
    rows = await session.execute(
        select(TaskAssignee.officer_id, Task.id)
        .join(Task, Task.id == TaskAssignee.task_id)
        .where(Task.team_id == team_id, Task.day >= first, Task.day <= last)
    )
    for officer_id, task_id in rows:
        if officer_id in figures:
            figures[officer_id].tasks_assigned += 1
            figures[officer_id].tasks_done += task_id in done


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


async def done_tasks(session: AsyncSession, team_id: int, first: date, last: date) -> set[int]:
    """Ids of the team's tasks in the period whose latest returns outcome is `done`."""
    latest = await latest_return_ids(session, [team_id], first, last)
    if not latest:
        return set()
    rows = await session.scalars(
        select(TaskOutcome.task_id).where(
            TaskOutcome.return_id.in_(list(latest.values())), TaskOutcome.outcome == "done"
        )
    )
    return set(rows.all())


async def read_days(
    session: AsyncSession, team_ids: Collection[int], first: date, last: date
) -> set[tuple[int, date]]:
    """(team id, day) pairs whose morning review someone marked as read."""
    rows = await session.execute(
        select(ReviewRead.team_id, ReviewRead.day)
        .where(
            ReviewRead.team_id.in_(list(team_ids)),
            ReviewRead.day >= first,
            ReviewRead.day <= last,
        )
        .distinct()
    )
    return {(team_id, day) for team_id, day in rows}
