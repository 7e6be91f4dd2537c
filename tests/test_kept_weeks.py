"""Figures kept per team and week (dialogs/kept_weeks.py), on SQLite and PostgreSQL: the
kept weeks give exactly what counting every week again gives, after every kind of change
(an answer stored, changed or deleted in a past week, a member moving team and back, a new
member, the team's briefing days), per member and per team; a page whose weeks are kept
counts only the current week; the database's stamps follow every writer; an answer stored
while a week is being counted leaves it to be counted again; a changed rule keeps nothing
of the old one."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dialogs import kept_weeks, registered
from dialogs.briefing import trends as briefing_trends
from dialogs.briefing.models import AttendanceAnswer
from dialogs.bwv import trends as bwv_trends
from dialogs.bwv.models import BwvAnswer
from dialogs.kept_weeks import KeptWeek, TrendStamp, part_key, weekly_rows
from dialogs.retention import retained_tables
from dialogs.sections import TrendContext, TrendScope, TrendShape
from dialogs.trends import load_trends, trend_weeks
from storage import officers
from storage.models import Officer, Team
from tests.rig.supervision import at, joined_long_ago, store
from tests.rig.tab_data import CSU, PSTF

ZONE = ZoneInfo("Europe/London")
TODAY = date(2026, 12, 3)  # a Thursday: eleven complete weeks, and Mon-Wed counted
STATEMENTS = (briefing_trends._answers, bwv_trends._counts)
ATTENDANCE = ("in_person", "remote", "sick", "rest_day", "annual_leave", "training")
BWV = ("categorised", "no_footage", "need_help", None)


async def twelve_weeks_of_answers(sessions: async_sessionmaker[AsyncSession]) -> None:
    """Every member of both teams answering most days of the window, some days twice (the
    latest counts), with vulnerable contacts now and then."""
    await joined_long_ago(sessions)
    weeks = trend_weeks(TODAY)
    choose = random.Random(20261203)
    async with store(sessions) as s:
        collars = [c for c, o in s.officer.items() if o.team_id and o.role != "sergeant"]
        day = weeks.first
        while day <= TODAY:
            for collar in collars:
                if choose.random() < 0.85:
                    s.attend(collar, day, choose.choice(ATTENDANCE))
                if choose.random() < 0.15:
                    s.attend(collar, day, choose.choice(ATTENDANCE), hour=9)
                if choose.random() < 0.8:
                    contact = choose.choice(("yes", "no", None))
                    s.bwv(collar, day, choose.choice(BWV), contact)
            day += timedelta(days=1)


@pytest.fixture
async def answers(sample_roster: Any, sessions: async_sessionmaker[AsyncSession]) -> None:
    await twelve_weeks_of_answers(sessions)


@dataclass
class Page:
    """A page's trend context, in a transaction committed on leaving (as the tab's)."""

    session: AsyncSession
    trend: TrendContext


@pytest.fixture
def page(sessions: async_sessionmaker[AsyncSession]) -> Any:
    @asynccontextmanager
    async def open_page(by_officer: bool = True, today: date = TODAY) -> AsyncIterator[Page]:
        async with sessions() as session, session.begin():
            teams = (await session.scalars(select(Team).where(Team.name.in_((CSU, PSTF))))).all()
            trends = await load_trends(
                registered(), session, teams, today=today, zone=ZONE, by_officer=by_officer
            )
            yield Page(session, trends.context)

    return open_page


async def assert_kept_as_counted(page: Any) -> None:
    """Every statement, per member and per team: the kept weeks and the current one are
    the rows counting all twelve weeks again gives."""
    for by_officer in (True, False):
        async with page(by_officer) as p:
            read = set(p.trend.keys(TrendScope(frozenset(p.trend.team_ids))))
            for statement in STATEMENTS:
                counted = await p.trend.rows(statement)
                kept = await weekly_rows(p.trend, statement)
                assert _rows(kept, read) == _rows(counted, read), (statement, by_officer)


def _rows(
    rows: Sequence[Any], read: set[tuple[int, int]] | None = None
) -> dict[tuple[int, int, int], tuple[int, ...]]:
    """Rows by key, without the all-zero rows a member with no answer counted may have,
    and only those of the keys a part reads (`read`: a member in their own team; counted
    per member, a member's rows left in another team come back too, under a key nobody
    reads)."""
    found = {tuple(r[:3]): tuple(int(c) for c in r[3:]) for r in rows}
    return {
        k: v  # type: ignore[misc]
        for k, v in found.items()
        if any(v) and (read is None or k[:2] in read)
    }


async def kept_rows(sessions: async_sessionmaker[AsyncSession]) -> dict[Any, int]:
    async with sessions() as session:
        rows = await session.execute(
            select(KeptWeek.team_id, KeptWeek.week, KeptWeek.part, KeptWeek.stamp)
        )
        return {(t, w, p): s for t, w, p, s in rows}


async def test_kept_weeks_are_what_counting_them_again_gives_after_every_change(
    answers: None, sessions: async_sessionmaker[AsyncSession], page: Any
) -> None:
    await assert_kept_as_counted(page)
    kept = await kept_rows(sessions)
    assert len(kept) == 2 * 11 * len(STATEMENTS)  # two teams, eleven complete weeks
    weeks = trend_weeks(TODAY)
    earlier = weeks.mondays[3] + timedelta(days=2)  # a Wednesday three weeks in
    async with store(sessions) as s:  # an answer changed in a past week, one added
        s.attend("P301", earlier, "sick", hour=11)
        s.bwv("P302", earlier + timedelta(days=1), "categorised", "yes", minute=9)
    await assert_kept_as_counted(page)
    after = await kept_rows(sessions)
    changed = {key for key in kept if after[key] != kept[key]}
    csu, pstf = (await _team(sessions, CSU)).id, (await _team(sessions, PSTF)).id
    assert {(t, w) for t, w, _ in changed} == {(csu, weeks.mondays[3])}, "only that week again"

    async with sessions() as session, session.begin():  # answers deleted, and one changed
        await session.execute(
            delete(AttendanceAnswer).where(AttendanceAnswer.day == weeks.mondays[5])
        )
        await session.execute(
            update(BwvAnswer)
            .where(BwvAnswer.day == weeks.mondays[6] + timedelta(days=1))
            .values(bwv_status="categorised", vulnerable_contact="yes")
        )
    await assert_kept_as_counted(page)

    async with sessions() as session, session.begin():  # a member moves team
        p303 = await officers.by_collar(session, "P303")
        assert p303 is not None
        p303.team_id = pstf
    await assert_kept_as_counted(page)
    async with sessions() as session, session.begin():  # and back again
        p303 = await officers.by_collar(session, "P303")
        assert p303 is not None
        p303.team_id = csu
    await assert_kept_as_counted(page)

    async with sessions() as session, session.begin():  # the team briefs on weekends too
        await session.execute(
            update(Team).where(Team.id == csu).values(briefing_days="mon,tue,wed,thu,fri,sat,sun")
        )
    await assert_kept_as_counted(page)
    async with sessions() as session, session.begin():  # nobody left in a team
        await session.execute(update(Officer).where(Officer.team_id == csu).values(active=False))
    await assert_kept_as_counted(page)


async def _team(sessions: async_sessionmaker[AsyncSession], name: str) -> Team:
    async with sessions() as session:
        team = await officers.team_by_name(session, name)
        assert team is not None
        return team


async def test_a_page_whose_weeks_are_kept_counts_only_the_current_week(
    answers: None,
    sessions: async_sessionmaker[AsyncSession],
    page: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    count = kept_weeks._count
    counted: list[set[tuple[int, int]]] = []

    async def watched(trend: TrendContext, statement: Any, wanted: Any) -> Any:
        counted.append(set(wanted))
        return await count(trend, statement, wanted)

    monkeypatch.setattr(kept_weeks, "_count", watched)
    async with page(False) as p:  # nothing kept yet: the eleven weeks, then the current one
        first = [await weekly_rows(p.trend, s) for s in STATEMENTS]
    assert {week for wanted in counted for _, week in wanted} == set(range(12))
    before = await kept_rows(sessions)
    counted.clear()
    async with page(False) as p:
        again = [await weekly_rows(p.trend, s) for s in STATEMENTS]
    assert [_rows(r) for r in again] == [_rows(r) for r in first]
    assert {week for wanted in counted for _, week in wanted} == {11}
    assert await kept_rows(sessions) == before, "nothing written again"


async def test_an_answer_stored_while_a_week_is_counted_leaves_it_to_be_counted_again(
    answers: None,
    sessions: async_sessionmaker[AsyncSession],
    page: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The stamps are read before the counting: an answer stored after the count, before
    the figures are kept (as a concurrent writer's commit could land on PostgreSQL), bumps
    the stamp past the one they are kept with, so the next page counts that week again
    rather than trusting figures without it."""
    count = kept_weeks._count
    day = trend_weeks(TODAY).mondays[2] + timedelta(days=1)
    stored: list[date] = []

    async def answer_after_counting(trend: TrendContext, *args: Any) -> Any:
        found = await count(trend, *args)
        if not stored:
            officer = await officers.by_collar(trend.session, "P304")
            assert officer is not None and officer.team_id is not None
            trend.session.add(
                AttendanceAnswer(
                    officer_id=officer.id,
                    team_id=officer.team_id,
                    day=day,
                    attendance="court",
                    answered_at=at(day, 12),
                )
            )
            await trend.session.flush()
            stored.append(day)
        return found

    monkeypatch.setattr(kept_weeks, "_count", answer_after_counting)
    async with page(False):  # its briefing part counts, and keeps, every week
        pass
    monkeypatch.setattr(kept_weeks, "_count", count)
    assert stored
    await assert_kept_as_counted(page)


async def test_every_writer_moves_the_stamp_of_its_team_and_week(
    answers: None, sessions: async_sessionmaker[AsyncSession]
) -> None:
    """Inserts, changes and deletes, by the ORM or plain SQL, on each daily answer table;
    the week is the Monday-started one on both databases (a Sunday's answer included)."""
    csu = (await _team(sessions, CSU)).id
    sunday, monday = date(2026, 12, 13), date(2026, 12, 7)

    async def stamp() -> int:
        async with sessions() as session:
            found = await session.scalar(
                select(TrendStamp.stamp).where(TrendStamp.team_id == csu, TrendStamp.week == monday)
            )
            return found or 0

    assert await stamp() == 0
    async with store(sessions) as s:  # the ORM
        s.attend("P301", sunday, "in_person")
        s.bwv("P301", monday, "categorised")
        s.pcso_return("P301", sunday, cads_attended=1)
    assert await stamp() >= 3
    for table in ("attendance_answers", "bwv_answers", "pcso_returns"):  # plain SQL
        before = await stamp()
        async with sessions() as session, session.begin():
            await session.execute(
                text(f"UPDATE {table} SET day = day WHERE team_id = {csu} AND day >= :day"),
                {"day": monday},
            )
        middle = await stamp()
        assert middle > before, table
        async with sessions() as session, session.begin():
            await session.execute(
                text(f"DELETE FROM {table} WHERE team_id = {csu} AND day >= :day"), {"day": monday}
            )
        assert await stamp() > middle, table
    async with sessions() as session:
        weeks = {w for (w,) in await session.execute(select(TrendStamp.week).distinct())}
    assert weeks and all(w.weekday() == 0 for w in weeks)


def _answers_of_another_rule(shape: TrendShape) -> Any:
    """The briefing statement written differently, as a release that changed it would."""
    statement = briefing_trends._answers(shape)
    return statement.where(text("1 = 1"))


async def test_a_changed_rule_reads_nothing_kept_by_the_old_one(answers: None, page: Any) -> None:
    async with page() as p:
        shape = kept_weeks._keyed_shape(p.trend)
    one = part_key(briefing_trends._answers, shape)
    assert one == part_key(briefing_trends._answers, shape)
    assert one.startswith("dialogs.briefing.trends._answers:")
    assert part_key(bwv_trends._counts, shape) != one
    assert part_key(_answers_of_another_rule, shape).split(":")[1] != one.split(":")[1]
    async with page() as p:
        kept = await weekly_rows(p.trend, briefing_trends._answers)
        assert _rows(kept) == _rows(await p.trend.rows(briefing_trends._answers))
    async with page() as p:
        other = await weekly_rows(p.trend, _answers_of_another_rule)
        assert _rows(other) == _rows(kept)  # counted anew under its own key, the same here
    async with page() as p:
        parts = {part for part, _, _ in (await kept_weeks._kept(p.trend))}
    assert len({part.split(":")[0] for part in parts}) == 3


async def test_kept_weeks_and_stamps_go_with_the_retention_purge(
    answers: None, sessions: async_sessionmaker[AsyncSession], page: Any
) -> None:
    async with page() as p:
        await weekly_rows(p.trend, briefing_trends._answers)
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(KeptWeek)) == 44
    assert {t.name for t, _ in retained_tables()} >= {"kept_weeks", "trend_stamps"}
