"""Helpers for the supervision tests: put officer's-day rows in the store directly.

The officer's-day workflow writes these rows through its own dialogs; the review, the
one-to-one summaries, the roll-up and the export only read them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dialogs.away.models import AwayPeriod
from dialogs.briefing.models import AttendanceAnswer
from dialogs.bwv.models import BwvAnswer
from dialogs.counts import COUNT_FIELDS
from dialogs.one_to_one.models import OneToOne
from dialogs.pcso_returns.models import PcsoReturn
from dialogs.returns.models import TeamReturn
from dialogs.review.models import ReviewRead
from dialogs.tasking.models import Task, TaskAssignee, Tasking
from storage.models import Officer, Team

LONG_AGO = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def at(day: date, hour: int = 8, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=UTC)


@dataclass
class Store:
    """Adds rows for officers known by collar number, in one transaction per `async with`."""

    session: AsyncSession
    officer: dict[str, Officer] = field(default_factory=dict)
    team: dict[str, Team] = field(default_factory=dict)

    def _home(self, collar: str) -> tuple[int, int]:
        officer = self.officer[collar]
        assert officer.team_id is not None
        return officer.id, officer.team_id

    def attend(self, collar: str, day: date, answer: str, hour: int = 8) -> None:
        officer_id, team_id = self._home(collar)
        self.session.add(
            AttendanceAnswer(
                officer_id=officer_id,
                team_id=team_id,
                day=day,
                attendance=answer,
                answered_at=at(day, hour),
                late=False,
                source="card",
            )
        )

    def bwv(
        self,
        collar: str,
        day: date,
        status: str | None,
        vulnerable: str | None = None,
        minute: int = 0,
    ) -> None:
        officer_id, team_id = self._home(collar)
        self.session.add(
            BwvAnswer(
                officer_id=officer_id,
                team_id=team_id,
                day=day,
                bwv_status=status,
                vulnerable_contact=vulnerable,
                answered_at=at(day, 15, 40 + minute),
            )
        )

    def away(self, collar: str, first: date, last: date, reason: str) -> None:
        self.session.add(
            AwayPeriod(
                officer_id=self.officer[collar].id,
                first_day=first,
                last_day=last,
                reason=reason,
                created_at=at(first, 7),
            )
        )

    def pcso_return(self, collar: str, day: date, **counts: Any) -> None:
        officer_id, team_id = self._home(collar)
        values = {
            "cads_attended": 0,
            "themis_updated": 0,
            "intel_submitted": 0,
            "engagements": 0,
            "vulnerable_engagements": 0,
            "notes": None,
        } | counts
        self.session.add(
            PcsoReturn(
                officer_id=officer_id,
                team_id=team_id,
                day=day,
                submitted_at=at(day, 16, 30),
                **values,
            )
        )

    def team_return(self, team: str, day: date, by: str = "TL201") -> None:
        counts = dict.fromkeys(COUNT_FIELDS, 1)
        self.session.add(
            TeamReturn(
                team_id=self.team[team].id,
                day=day,
                submitted_by_id=self.officer[by].id,
                submitted_at=at(day, 16, 5),
                **counts,
            )
        )

    async def task(
        self,
        team: str,
        day: date,
        reference: str | None,
        *,
        assignee: str | None = None,
        by: str = "TL201",
    ) -> int:
        """A tasking of the team's day with one task (its reference, if any), assigned to
        `assignee`; the task's id."""
        tasking = Tasking(team_id=self.team[team].id, day=day, posted_by_id=self.officer[by].id)
        self.session.add(tasking)
        await self.session.flush()
        task = Task(
            tasking_id=tasking.id,
            team_id=tasking.team_id,
            day=day,
            position=1,
            description="Welfare visit",
            reference=reference,
        )
        self.session.add(task)
        await self.session.flush()
        if assignee is not None:
            self.session.add(TaskAssignee(task_id=task.id, officer_id=self.officer[assignee].id))
        return task.id

    def read(self, team: str, day: date, collar: str) -> None:
        self.session.add(
            ReviewRead(
                team_id=self.team[team].id,
                day=day,
                officer_id=self.officer[collar].id,
                read_at=at(day, 9),
            )
        )

    def one_to_one(self, collar: str, held_on: date, by: str = "S101") -> None:
        officer_id, team_id = self._home(collar)
        self.session.add(
            OneToOne(
                officer_id=officer_id,
                team_id=team_id,
                supervisor_id=self.officer[by].id,
                held_on=held_on,
                pnb_checked=True,
                recorded_at=at(held_on, 11),
            )
        )


@asynccontextmanager
async def store(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[Store]:
    """One transaction with every officer and team loaded; committed on leaving."""
    async with sessions() as session, session.begin():
        officers = (await session.scalars(select(Officer))).all()
        teams = (await session.scalars(select(Team))).all()
        yield Store(
            session,
            officer={o.collar_number: o for o in officers},
            team={t.name: t for t in teams},
        )


async def joined_long_ago(sessions: async_sessionmaker[AsyncSession]) -> None:
    """Everyone has been on the roster since January, whatever today's date is."""
    async with sessions() as session, session.begin():
        await session.execute(update(Officer).values(created_at=LONG_AGO))
