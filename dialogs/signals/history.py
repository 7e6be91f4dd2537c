"""What the signals read from the store: the officers' recent days, in one statement
whatever the number of teams or the length of the history, and their discussions.

Each part of it is bounded by the officers asked about and the window's first and last
day, on the (officer_id, day) indexes of the answer tables (tasks on (team_id, day,
position)), so only the window is read, never the whole history. The signals read other workflows'
records (briefing answers, away periods, BWV answers, PCSO returns, tasks): they are the
one view across them, and write nothing to them.
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property
from typing import Any

from sqlalchemy import (
    CompoundSelect,
    Date,
    DateTime,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    func,
    literal_column,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from dialogs.away.models import AwayPeriod
from dialogs.away.queries import days_away
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
    """One statement, five parts (`_history_statement`): the officers' last briefing answer,
    their away periods, their BWV answers and PCSO returns that can raise a signal, and the
    teams' tasks that carry a reference. One round trip rather than five, read as plain
    rows through the session's connection (its pending changes flushed first, as a query
    through the session would)."""
    ids = [officer_id for officers, _ in briefing for officer_id in officers]
    groups = [(list(officers), list(dates)) for officers, dates in briefing if officers and dates]
    params: dict[str, Any] = {"ids": ids, "teams": list(team_ids), "first": first, "last": last}
    for n, (officers, dates) in enumerate(groups):
        params |= {f"answered_ids_{n}": officers, f"answered_days_{n}": dates}
    await session.flush()
    connection = await session.connection()
    rows = (await connection.execute(_history_statement(len(groups)), params)).all()
    parts: dict[str, list[Any]] = {kind: [] for kind in HISTORY_PARTS}
    for row in rows:
        parts[row.kind].append(row)
    answers = {
        (row.officer_id, row.day): (row.said, row.contact)
        for row in sorted(parts[BWV], key=lambda row: row.row_id)  # an officer's newer last
    }
    vulnerable_returns = {
        (row.officer_id, row.day): row.number
        for row in sorted(parts[RETURN], key=lambda row: row.row_id)
    }
    contact = {day for day, (_, said) in answers.items() if said == "yes"} | set(vulnerable_returns)
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    periods = sorted(parts[AWAY], key=lambda row: (row.at, row.row_id))  # the latest wins
    return History(
        last_answered={row.officer_id: row.day for row in parts[ANSWERED]},
        away=days_away(((r.officer_id, r.day, r.until, r.said) for r in periods), days),
        bwv=answers,
        vulnerable_returns=vulnerable_returns,
        referenced=frozenset(
            day for day in ((row.officer_id, row.day) for row in parts[TASK]) if day in contact
        ),
    )


ANSWERED, AWAY, BWV, RETURN, TASK = HISTORY_PARTS = ("answered", "away", "bwv", "return", "task")
COLUMNS = ("officer_id", "day", "until", "said", "contact", "number", "at", "row_id")


@functools.cache
def _history_statement(groups: int) -> CompoundSelect:
    """The five parts, each in the same columns (kind, officer_id, day, until, said,
    contact, number, at, row_id), each on its own index, bounded by the officers (or, for
    tasks, the teams) and the window; built once per number of sets of briefing days.

    - answered: the last of the officer's team's briefing days with a briefing answer (on
      (officer_id, day));
    - away: the active periods overlapping the window (day to until, said = the reason,
      booked at);
    - bwv: the answers that count (`DailyAnswer.latest`) with a vulnerable contact or
      need_help (said = the category, contact = yes or no);
    - return: the PCSO returns that count with vulnerable engagements (number);
    - task: each (officer, day) assigned a task that carries a reference (CAD, case,
      OSARA). The caller keeps those on a day of contact: asking SQL for only those makes
      SQLite probe each task for each of them."""
    ids = bindparam("ids", type_=INTEGERS)
    first, last = bindparam("first", type_=Date), bindparam("last", type_=Date)
    nulls: dict[str, Any] = {
        "until": null().cast(Date),
        "said": null().cast(String),
        "contact": null().cast(String),
        "number": null().cast(Integer),
        "at": null().cast(DateTime(timezone=True)),
        "row_id": null().cast(Integer),
    }

    def part(kind: str, **columns: Any) -> Any:
        """A part's columns by name; those it has not, NULL (typed: PostgreSQL's union
        needs a type for each column)."""
        chosen = nulls | columns
        named = [chosen[name].label(name) for name in COLUMNS]
        return select(literal_column(f"'{kind}'").label("kind"), *named)

    answer = AttendanceAnswer
    answered = (
        part(ANSWERED, officer_id=answer.officer_id, day=func.max(answer.day))
        .where(
            answer.day >= first,  # the index's range: the days below are all in the window
            answer.day <= last,
            or_(
                *(
                    and_(
                        one_of(answer.officer_id, bindparam(f"answered_ids_{n}", type_=INTEGERS)),
                        one_of(answer.day, bindparam(f"answered_days_{n}", type_=DATES)),
                    )
                    for n in range(groups)
                )
            ),
        )
        .group_by(answer.officer_id)
    )
    period = AwayPeriod
    away = part(
        AWAY,
        officer_id=period.officer_id,
        day=period.first_day,
        until=period.last_day,
        said=period.reason,
        at=period.created_at,
        row_id=period.id,
    ).where(
        one_of(period.officer_id, ids),
        period.first_day <= last,
        period.last_day >= first,
        period.cancelled_at.is_(None),
    )

    def latest(kind: str, model: Any, wanted: Any, **columns: Any) -> Any:
        """The answers that count (`DailyAnswer.latest`) of the officers in the window that
        are `wanted`, by id (an officer's newer answer for a day last)."""
        return part(
            kind, officer_id=model.officer_id, day=model.day, row_id=model.id, **columns
        ).where(
            model.latest,
            one_of(model.officer_id, ids),
            model.day >= first,
            model.day <= last,
            wanted,
        )

    bwv = latest(
        BWV,
        BwvAnswer,
        or_(BwvAnswer.vulnerable_contact == "yes", BwvAnswer.bwv_status == "need_help"),
        said=BwvAnswer.bwv_status,
        contact=BwvAnswer.vulnerable_contact,
    )
    returns = latest(
        RETURN,
        PcsoReturn,
        PcsoReturn.vulnerable_engagements > 0,
        number=PcsoReturn.vulnerable_engagements,
    )
    tasks = (
        part(TASK, officer_id=TaskAssignee.officer_id, day=Task.day)
        .select_from(Task)
        .join(TaskAssignee, TaskAssignee.task_id == Task.id)
        .where(
            one_of(Task.team_id, bindparam("teams", type_=INTEGERS)),
            Task.day >= first,
            Task.day <= last,
            and_(Task.reference.is_not(None), func.trim(Task.reference) != ""),
        )
        .distinct()
    )
    return union_all(*([answered] if groups else []), away, bwv, returns, tasks)


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
