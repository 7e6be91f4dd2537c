"""What the signals read from the store: the officers' recent days, in a fixed number of
queries whatever the number of teams or the length of the history.

Each query is bounded by the officers asked about and the window's first and last day, on
the (officer_id, day) indexes of the answer tables (tasks on (team_id, day, position)), so
only the window is read, never the whole history. The signals read other workflows'
records (briefing answers, away periods, BWV answers, PCSO returns, tasks): they are the
one view across them, and write nothing to them.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from dialogs.away.queries import away_days
from dialogs.briefing.models import AttendanceAnswer
from dialogs.bwv.models import BwvAnswer
from dialogs.pcso_returns.models import PcsoReturn
from dialogs.signals.models import SignalDiscussion
from dialogs.tasking.models import Task, TaskAssignee
from storage.models import Officer

Day = tuple[int, date]
"""(officer id, day)."""


@dataclass(frozen=True)
class History:
    """The officers' records from `first` to `last`."""

    answered: frozenset[Day]  # a briefing answer of any kind
    away: Mapping[Day, str]  # an away period booked
    bwv: Mapping[Day, tuple[str | None, str | None]]  # (category, vulnerable contact), latest
    vulnerable_returns: Mapping[Day, int]  # a PCSO return's vulnerable engagements, latest
    referenced: frozenset[Day]  # assigned a task with a reference that day


async def load_history(
    session: AsyncSession,
    team_ids: Collection[int],
    officer_ids: Collection[int],
    first: date,
    last: date,
) -> History:
    """Five queries (answers, away periods, BWV answers, PCSO returns, tasks)."""
    ids = list(officer_ids)
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    return History(
        answered=await _answered(session, ids, first, last),
        away=await away_days(session, ids, days),
        bwv={
            (row.officer_id, row.day): (row.bwv_status, row.vulnerable_contact)
            for row in await _latest(session, BwvAnswer, ids, first, last)
        },
        vulnerable_returns={
            (row.officer_id, row.day): row.vulnerable_engagements
            for row in await _latest(session, PcsoReturn, ids, first, last)
            if row.vulnerable_engagements > 0
        },
        referenced=await _referenced(session, list(team_ids), ids, first, last),
    )


async def _answered(
    session: AsyncSession, ids: list[int], first: date, last: date
) -> frozenset[Day]:
    rows = await session.execute(
        select(AttendanceAnswer.officer_id, AttendanceAnswer.day)
        .where(
            AttendanceAnswer.officer_id.in_(ids),
            AttendanceAnswer.day >= first,
            AttendanceAnswer.day <= last,
        )
        .distinct()
    )
    return frozenset((officer_id, day) for officer_id, day in rows)


async def _latest(
    session: AsyncSession, model: Any, ids: list[int], first: date, last: date
) -> list[Any]:
    """The answer that counts (the highest id) for each officer and day, columns only."""
    newest = (
        select(func.max(model.id))
        .where(model.officer_id.in_(ids), model.day >= first, model.day <= last)
        .group_by(model.officer_id, model.day)
    )
    columns = [model.__table__.c[name] for name in ("officer_id", "day", *model.__content__)]
    return list((await session.execute(select(*columns).where(model.id.in_(newest)))).all())


async def _referenced(
    session: AsyncSession, team_ids: list[int], ids: list[int], first: date, last: date
) -> frozenset[Day]:
    """Days each officer was assigned a task that carries a reference (CAD, case, OSARA):
    the teams' tasks of the window (on (team_id, day, position)), then their assignees."""
    rows = await session.execute(
        select(TaskAssignee.officer_id, Task.day)
        .select_from(Task)
        .join(TaskAssignee, TaskAssignee.task_id == Task.id)
        .where(
            Task.team_id.in_(team_ids),
            TaskAssignee.officer_id.in_(ids),
            Task.day >= first,
            Task.day <= last,
            and_(Task.reference.is_not(None), func.trim(Task.reference) != ""),
        )
        .distinct()
    )
    return frozenset((officer_id, day) for officer_id, day in rows)


async def load_discussions(
    session: AsyncSession, officer_ids: Collection[int], since: date
) -> list[tuple[SignalDiscussion, Officer | None]]:
    """Discussions of the officers' signals whose evidence ends on or after `since`, with
    who marked them (on the (officer_id, kind, through_day) index)."""
    marker = aliased(Officer)
    rows = await session.execute(
        select(SignalDiscussion, marker)
        .outerjoin(marker, marker.id == SignalDiscussion.discussed_by_id)
        .where(
            SignalDiscussion.officer_id.in_(list(officer_ids)),
            SignalDiscussion.through_day >= since,
        )
        .order_by(SignalDiscussion.through_day, SignalDiscussion.id)
    )
    return [(discussion, by) for discussion, by in rows]
