"""What the signals read from the store: the officers' recent days, in a fixed number of
queries whatever the number of teams or the length of the history.

Each query is bounded by the officers asked about and the window's first and last day, on
the (officer_id, day) indexes of the answer tables (tasks on (team_id, day, position)), so
only the window is read, never the whole history. The signals read other workflows'
records (briefing answers, away periods, BWV answers, PCSO returns, tasks): they are the
one view across them, and write nothing to them.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property
from typing import Any

from sqlalchemy import ColumnElement, Date, Select, and_, bindparam, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from dialogs.away.queries import away_days
from dialogs.briefing.models import AttendanceAnswer
from dialogs.bwv.models import BwvAnswer
from dialogs.pcso_returns.models import PcsoReturn
from dialogs.signals.models import SignalDiscussion
from dialogs.tasking.models import Task, TaskAssignee
from storage.lists import DATES, INTEGERS, one_of
from storage.models import Officer

Day = tuple[int, date]
"""(officer id, day)."""


@dataclass(frozen=True)
class History:
    """What the rules need of the officers' records from `first` to `last`: only the rows
    that can raise a signal, so that the rules look at a few rows per officer rather than
    every day of the window."""

    last_answered: Mapping[int, date]
    """The last of the officer's team's briefing days with a briefing answer (any kind)."""
    away: Mapping[Day, str]  # an away period booked
    bwv: Mapping[Day, tuple[str | None, str | None]]
    """(category, vulnerable contact) of the latest answer, where it is a vulnerable
    contact or need_help."""
    vulnerable_returns: Mapping[Day, int]  # a PCSO return's vulnerable engagements, latest
    referenced: frozenset[Day]  # assigned a task with a reference on a day of contact

    def of_officer(self, officer_id: int) -> OfficerHistory:
        return self._by_officer.get(officer_id, EMPTY)

    @cached_property
    def _by_officer(self) -> dict[int, OfficerHistory]:
        found: dict[int, OfficerHistory] = {}
        for (officer_id, day), answer in self.bwv.items():
            found.setdefault(officer_id, OfficerHistory()).bwv[day] = answer
        for (officer_id, day), engagements in self.vulnerable_returns.items():
            found.setdefault(officer_id, OfficerHistory()).vulnerable_returns[day] = engagements
        return found


@dataclass(frozen=True)
class OfficerHistory:
    """One officer's BWV answers and PCSO returns that can raise a signal, by day."""

    bwv: dict[date, tuple[str | None, str | None]] = field(default_factory=dict)
    vulnerable_returns: dict[date, int] = field(default_factory=dict)


EMPTY = OfficerHistory()


BriefingDays = Sequence[tuple[Sequence[int], Sequence[date]]]
"""Officer ids, and the briefing days of their team (teams with the same days together)."""


async def load_history(
    session: AsyncSession,
    team_ids: Collection[int],
    briefing: BriefingDays,
    first: date,
    last: date,
) -> History:
    """Five queries at most (answers, away periods, BWV answers, PCSO returns, and tasks
    where a vulnerable contact was recorded)."""
    ids = [officer_id for officers, _ in briefing for officer_id in officers]
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    bwv = await _latest(session, BwvAnswer, ids, (first, last), _bwv_signalling)
    returns = await _latest(session, PcsoReturn, ids, (first, last), _vulnerable_engagements)
    answers = {(row.officer_id, row.day): (row.bwv_status, row.vulnerable_contact) for row in bwv}
    vulnerable_returns = {(row.officer_id, row.day): row.vulnerable_engagements for row in returns}
    contact = {day for day, (_, said) in answers.items() if said == "yes"} | set(vulnerable_returns)
    return History(
        last_answered=await _last_answered(session, briefing),
        away=await away_days(session, ids, days),
        bwv=answers,
        vulnerable_returns=vulnerable_returns,
        referenced=await _referenced(session, list(team_ids), contact, first, last),
    )


# Each statement is built once (`functools.cache`) and run with its values bound: a page
# does not build and compile the same SQL again.


async def _last_answered(session: AsyncSession, briefing: BriefingDays) -> dict[int, date]:
    """Officer id → the last of their briefing days with a briefing answer (on the
    (officer_id, day) index)."""
    groups = [(list(ids), list(dates)) for ids, dates in briefing if ids and dates]
    if not groups:
        return {}
    params: dict[str, list[Any]] = {f"ids_{n}": ids for n, (ids, _) in enumerate(groups)}
    params |= {f"days_{n}": dates for n, (_, dates) in enumerate(groups)}
    rows = await session.execute(_last_answered_statement(len(groups)), params)
    return {officer_id: day for officer_id, day in rows}


@functools.cache
def _last_answered_statement(groups: int) -> Select[int, date]:
    answer = AttendanceAnswer
    days = [
        and_(
            one_of(answer.officer_id, bindparam(f"ids_{n}", type_=INTEGERS)),
            one_of(answer.day, bindparam(f"days_{n}", type_=DATES)),
        )
        for n in range(groups)
    ]
    return (
        select(answer.officer_id, func.max(answer.day))
        .where(or_(*days))
        .group_by(answer.officer_id)
    )


def _bwv_signalling() -> ColumnElement[bool]:
    return or_(BwvAnswer.vulnerable_contact == "yes", BwvAnswer.bwv_status == "need_help")


def _vulnerable_engagements() -> ColumnElement[bool]:
    return PcsoReturn.vulnerable_engagements > 0


async def _latest(
    session: AsyncSession,
    model: Any,
    ids: list[int],
    days: tuple[date, date],
    wanted: Callable[[], ColumnElement[bool]],
) -> list[Any]:
    """The answers that count (`DailyAnswer.latest`) that are `wanted`, columns only, by id:
    an officer who answered for the day in two teams (they moved) has the newer last."""
    first, last = days
    params = {"ids": ids, "first": first, "last": last}
    return list((await session.execute(_latest_statement(model, wanted), params)).all())


@functools.cache
def _latest_statement(model: Any, wanted: Callable[[], ColumnElement[bool]]) -> Select[Any]:
    columns = [model.__table__.c[name] for name in ("officer_id", "day", *model.__content__)]
    return (
        select(*columns)
        .where(
            model.latest,
            one_of(model.officer_id, bindparam("ids", type_=INTEGERS)),
            model.day >= bindparam("first", type_=Date),
            model.day <= bindparam("last", type_=Date),
        )
        .where(wanted())
        .order_by(model.id)
    )


async def _referenced(
    session: AsyncSession, team_ids: list[int], contact: set[Day], first: date, last: date
) -> frozenset[Day]:
    """Of the days an officer recorded a vulnerable contact (`contact`: the only days the
    rules ask about), those they were assigned a task that carries a reference (CAD, case,
    OSARA): the teams' referenced tasks of the window (on (team_id, day, position)) and
    their assignees, kept where they had a contact that day. None to ask about, no query.
    (Asking SQL for only the officers with a contact makes SQLite probe each task for each
    of them.)"""
    if not contact:
        return frozenset()
    params = {"teams": team_ids, "first": first, "last": last}
    rows = await session.execute(_referenced_statement(), params)
    return frozenset(day for day in rows.tuples() if day in contact)


@functools.cache
def _referenced_statement() -> Select[int, date]:
    return (
        select(TaskAssignee.officer_id, Task.day)
        .select_from(Task)
        .join(TaskAssignee, TaskAssignee.task_id == Task.id)
        .where(
            one_of(Task.team_id, bindparam("teams", type_=INTEGERS)),
            Task.day >= bindparam("first", type_=Date),
            Task.day <= bindparam("last", type_=Date),
            and_(Task.reference.is_not(None), func.trim(Task.reference) != ""),
        )
        .distinct()
    )


async def load_discussions(
    session: AsyncSession, officer_ids: Collection[int], since: date
) -> list[tuple[SignalDiscussion, Officer | None]]:
    """Discussions of the officers' signals whose evidence ends on or after `since`, with
    who marked them (on the (officer_id, kind, through_day) index)."""
    params = {"ids": list(officer_ids), "since": since}
    rows = await session.execute(_discussions_statement(), params)
    return [(discussion, by) for discussion, by in rows]


@functools.cache
def _discussions_statement() -> Select[SignalDiscussion, Officer]:
    marker = aliased(Officer)
    return (
        select(SignalDiscussion, marker)
        .outerjoin(marker, marker.id == SignalDiscussion.discussed_by_id)
        .where(
            one_of(SignalDiscussion.officer_id, bindparam("ids", type_=INTEGERS)),
            SignalDiscussion.through_day >= bindparam("since", type_=Date),
        )
        .order_by(SignalDiscussion.through_day, SignalDiscussion.id)
    )
