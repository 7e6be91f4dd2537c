"""Recording and reading answers kept per officer and day (briefing, BWV, PCSO returns), and
the one rule for a re-submission of anything recorded.

Every answer is a new row, so changes are kept; "latest" means the row with the highest id
for that officer and day (ids grow in commit order within one officer's answers). The
database marks it (`latest`, per officer, team and day) as rows are added or removed, so
views over many officer-days (the tab's trends, the signals) read the answers that count
from a partial index instead of working them out each time. A mapped
class that derives from `DailyAnswer` is such an answer; its `__content__` names the
columns that say what the answer is.

A re-submission is recognised, never stored twice: the same content sent again (a second
tap because the reply to the first never arrived, a retry by the channel under a new id)
stores nothing and is told, in words, that it was already recorded. `record` applies that
to daily answers (the same as the latest answer for the day: nothing stored, a different
one is a change and is kept as a new row); `record_once` to records with no "latest" rule
(the same record stored already: nothing stored). Workflows whose records have other
shapes (a team's tasking and returns) compare their own content, but take the same lock
(`hold`) and say the same words (`already_recorded`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, ClassVar, Generic, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import Boolean, Date, ForeignKey, Index, false, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute, Mapped, mapped_column

from dialogs.wording import local_hhmm, short_day
from storage.models import Base, Officer


class DailyAnswer(Base):
    """The columns of an answer an officer gives for a day of their team's (no table)."""

    __abstract__ = True
    __content__: ClassVar[tuple[str, ...]] = ()
    """The columns that say what the answer is (not when or how it was given)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id", ondelete="CASCADE"))
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    latest: Mapped[bool] = mapped_column(Boolean, server_default=false(), deferred=True)
    """Whether this is the officer's latest answer for the team and day: kept by the
    database's triggers on every insert and delete (migration 0008), never written by the
    code, and read in SQL (`sections.latest_per_day`, the signals), not from a loaded row.
    A migration that rebuilds one of these tables on SQLite (Alembic's batch mode) drops
    its triggers and must create them again (tests/test_migrations.py checks they are
    there)."""


def latest_index(table: str, *columns: str) -> Index:
    """The partial index of a daily answer table's latest answers (`DailyAnswer.latest`),
    in (team_id, day, officer_id) order, with the answer's `columns` the views read, so
    they are read from the index alone. SQLite uses a partial index only where the query
    says its condition as written, and SQLAlchemy writes `.where(latest)` as `latest = 1`."""
    return Index(
        f"ix_{table}_latest",
        "team_id",
        "day",
        "officer_id",
        *columns,
        "latest",
        sqlite_where=text("latest = 1"),
        postgresql_where=text("latest"),
    )


Answer = TypeVar("Answer", bound=DailyAnswer)
Row = TypeVar("Row", bound=Base)


@dataclass(frozen=True)
class Recorded(Generic[Row]):
    """What a submission left in the store: `row` is the record that counts, and `new` is
    False when the same had been recorded already (then `row` is that earlier record and
    nothing was stored)."""

    row: Row
    new: bool


async def add(session: AsyncSession, row: Row) -> Row:
    """Add and flush, so the row has its id (and defaults) before the turn goes on."""
    session.add(row)
    await session.flush()
    return row


async def hold(session: AsyncSession, key: InstrumentedAttribute[int], value: int | None) -> None:
    """Serialise what is recorded for one officer or team (`hold(session, Team.id, 7)`)
    until the turn commits, so a re-submission sent while the first is still being recorded
    waits for it and then finds it. PostgreSQL locks the row (`SELECT ... FOR UPDATE`; its
    READ COMMITTED statements then see what the first committed); SQLite's transactions
    are serialised already (`BEGIN IMMEDIATE`), so nothing is asked of it."""
    if value is not None and session.get_bind().dialect.name != "sqlite":
        await session.execute(select(key).where(key == value).with_for_update())


def same(current: Any, new: Any, columns: Sequence[str]) -> bool:
    """Whether two records say the same in every one of `columns`."""
    return all(getattr(current, name) == getattr(new, name) for name in columns)


async def record(session: AsyncSession, row: Answer) -> Recorded[Answer]:
    """The officer's answer for its day, kept as a new row, unless their latest answer for
    that day already says the same (`__content__`): then nothing is stored and the latest
    is given back. An answer the same as an earlier one but not the latest is a change
    back, and is kept."""
    await hold(session, Officer.id, row.officer_id)
    current = await latest(session, type(row), row.officer_id, row.day)
    if current is not None and same(current, row, type(row).__content__):
        return Recorded(current, new=False)
    return Recorded(await add(session, row), new=True)


async def record_once(
    session: AsyncSession, row: Row, columns: Sequence[str], *, owner: int | None, **only: Any
) -> Recorded[Row]:
    """`row`, unless a record with the same value in every one of `columns` (and the
    column values `only`, e.g. `cancelled_at=None`) is stored already: then nothing is
    stored and that record is given back. `owner` is the officer whose records these are
    (held while checking, see `hold`)."""
    await hold(session, Officer.id, owner)
    model: Any = type(row)
    wanted = {name: getattr(row, name) for name in columns} | only
    found: Row | None = await session.scalar(
        select(model)
        .where(*(getattr(model, name) == value for name, value in wanted.items()))
        .order_by(model.id)
        .limit(1)
    )
    if found is not None:
        return Recorded(found, new=False)
    return Recorded(await add(session, row), new=True)


def already_recorded(at: datetime, now: datetime, zone: ZoneInfo) -> str:
    """What a re-submission is told: when the same was recorded, and that nothing new was."""
    when = local_hhmm(at, zone)
    day = at.astimezone(zone).date()
    if day != now.astimezone(zone).date():
        when = f"{when} on {short_day(day)}"
    return f"Already recorded at {when}: nothing new saved."


async def latest(
    session: AsyncSession, model: type[Answer], officer_id: int, day: date
) -> Answer | None:
    """The officer's answer that counts for the day (their last one)."""
    return await session.scalar(
        select(model)
        .where(model.officer_id == officer_id, model.day == day)
        .order_by(model.id.desc())
        .limit(1)
    )


async def latest_answers(
    session: AsyncSession,
    model: type[Answer],
    first: date,
    last: date,
    *,
    team_id: int | None = None,
    officer_id: int | None = None,
) -> dict[tuple[int, date], Answer]:
    """(officer id, day) → the answer that counts (the highest id), from `first` to `last`,
    for one team's answers (`team_id`) or one officer's (`officer_id`)."""
    if (team_id is None) == (officer_id is None):
        raise ValueError("give exactly one of team_id and officer_id")
    scope = model.team_id == team_id if team_id is not None else model.officer_id == officer_id
    newest = (
        select(func.max(model.id))
        .where(scope, model.day >= first, model.day <= last)
        .group_by(model.officer_id, model.day)
    )
    rows = (await session.scalars(select(model).where(model.id.in_(newest)))).all()
    return {(row.officer_id, row.day): row for row in rows}
