"""Overviews kept while nothing they show has changed (bot/tab/kept_pages.py), on SQLite and
PostgreSQL: a kept page is handed back for one statement; after every kind of write to
what it shows, whoever writes it, the page is drawn again, counting only the teams written
to, and is exactly what drawing it afresh gives; a write to a team the page does not show
leaves it kept; the database stamps the right teams; and no kept page reads a table whose
writes are not stamped."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Date, bindparam, delete, event, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.tab.kept_pages import KeptPages
from bot.tab.pages import KEPT, Page, Viewer, render_page
from dialogs import registered
from dialogs.away.models import AwayPeriod
from dialogs.bwv.models import BwvAnswer
from dialogs.pcso_returns.models import PcsoReturn
from dialogs.signals.models import SignalDiscussion
from dialogs.tasking.models import TaskAssignee, Tasking
from storage import officers
from storage.models import Base, Officer, Team, UTCDateTime
from storage.stamps import DERIVED, STAMPED, team_stamps
from tests.rig.databases import trigger_names
from tests.rig.supervision import at, store
from tests.rig.tab_data import CSU, FRI, MON, PSTF, THU, TUE, WED, discussed_signal
from tests.rig.tab_data import week_of_answers as record_week

ZONE = ZoneInfo("Europe/London")
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
Sessions = async_sessionmaker[AsyncSession]


@pytest.fixture
async def recorded(sample_roster: Any, sessions: Sessions) -> None:
    await record_week(sessions)
    await discussed_signal(sessions)


async def show(
    sessions: Sessions,
    kept: KeptPages[Page] | None,
    who: str = "S101",
    now: datetime = NOW,
    counted: list[str] | None = None,
    /,
    **params: str,
) -> Page:
    """The overview (with `params`) as `who` sees it, committed as the server commits it;
    the SQL it runs appended to `counted`."""
    async with sessions() as session, session.begin():
        officer = await officers.by_collar(session, who)
        assert officer is not None
        teams = tuple(await officers.visible_teams(session, officer))
        engine = session.bind.sync_engine  # type: ignore[union-attr]

        def watch(_c: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            if counted is not None:
                counted.append(statement)

        event.listen(engine, "before_cursor_execute", watch)
        try:
            return await render_page(
                "overview",
                params,
                session=session,
                viewer=Viewer(officer, teams),
                now=now,
                zone=ZONE,
                views=registered(),
                kept=kept,
            )
        finally:
            event.remove(engine, "before_cursor_execute", watch)


async def ids(sessions: Sessions) -> dict[str, int]:
    async with sessions() as session:
        found = {t.name: t.id for t in await session.scalars(select(Team))}
        found |= {o.collar_number: o.id for o in await session.scalars(select(Officer))}
        return found


async def run(sessions: Sessions, sql: Callable[[dict[str, int]], Any]) -> None:
    known = await ids(sessions)
    async with sessions() as session, session.begin():
        await session.execute(sql(known))


async def a_task(sessions: Sessions, team: str, day: date, reference: str | None) -> int:
    async with store(sessions) as s:
        return await s.task(team, day, reference)


async def briefing_answer(sessions: Sessions) -> None:
    async with store(sessions) as s:
        s.attend("P302", TUE, "in_person", hour=9)


async def bwv_changed(sessions: Sessions) -> None:
    await run(
        sessions,
        lambda k: (
            update(BwvAnswer)
            .where(BwvAnswer.officer_id == k["P301"], BwvAnswer.day == WED)
            .values(bwv_status="no_footage")
        ),
    )


async def pcso_return_deleted(sessions: Sessions) -> None:
    await run(sessions, lambda k: delete(PcsoReturn).where(PcsoReturn.officer_id == k["P304"]))


async def team_return(sessions: Sessions) -> None:
    async with store(sessions) as s:
        s.team_return(CSU, FRI)


async def task_posted(sessions: Sessions) -> None:
    await a_task(sessions, CSU, FRI, "CAD 4411")


async def task_assigned(sessions: Sessions) -> None:
    task = await a_task(sessions, CSU, FRI, None)
    await briefing_answer(sessions)  # the task alone stamps CSU; then only the assignee does
    known = await ids(sessions)
    async with sessions() as session, session.begin():
        await session.execute(insert(TaskAssignee).values(task_id=task, officer_id=known["P304"]))


async def away_booked(sessions: Sessions) -> None:
    async with store(sessions) as s:
        s.away("P302", THU, FRI, "training")


async def away_cancelled(sessions: Sessions) -> None:
    await run(
        sessions,
        lambda k: (
            update(AwayPeriod)
            .where(AwayPeriod.officer_id == k["P303"])
            .values(cancelled_at=at(MON, 6))
        ),
    )


async def discussion_deleted(sessions: Sessions) -> None:
    await run(sessions, lambda k: delete(SignalDiscussion))


async def officer_renamed(sessions: Sessions) -> None:
    await run(
        sessions,
        lambda k: update(Officer).where(Officer.id == k["P304"]).values(name="Riley Evans-Shaw"),
    )


async def officer_moved(sessions: Sessions) -> None:
    await run(
        sessions,
        lambda k: update(Officer).where(Officer.id == k["P304"]).values(team_id=k[PSTF]),
    )


async def team_settings(sessions: Sessions) -> None:
    await run(
        sessions,
        lambda k: update(Team).where(Team.id == k[CSU]).values(briefing_days="mon,tue,wed,thu"),
    )


async def plain_sql(sessions: Sessions) -> None:
    known = await ids(sessions)
    async with sessions() as session, session.begin():
        await session.execute(
            text(
                "INSERT INTO bwv_answers (officer_id, team_id, day, bwv_status, "
                "vulnerable_contact, answered_at) VALUES (:officer, :team, :day, NULL, 'yes', :at)"
            ).bindparams(bindparam("day", type_=Date), bindparam("at", type_=UTCDateTime)),
            {"officer": known["P302"], "team": known[CSU], "day": THU, "at": at(THU, 16)},
        )


WRITES: dict[str, Callable[[Sessions], Awaitable[None]]] = {
    "a briefing answer": briefing_answer,
    "a BWV answer changed": bwv_changed,
    "a PCSO return deleted": pcso_return_deleted,
    "a team's return": team_return,
    "a task posted": task_posted,
    "a task's assignee": task_assigned,
    "an away period booked": away_booked,
    "an away period cancelled": away_cancelled,
    "a discussion deleted": discussion_deleted,
    "an officer renamed": officer_renamed,
    "an officer moving team": officer_moved,
    "a team's briefing days": team_settings,
    "a plain SQL insert": plain_sql,
}


async def test_a_kept_overview_is_handed_back_for_one_statement(
    recorded: None, sessions: Sessions
) -> None:
    kept: KeptPages[Page] = KeptPages()
    first = await show(sessions, kept)
    counted: list[str] = []
    again = await show(sessions, kept, "S101", NOW, counted)
    assert again is first and (kept.drawn, kept.found) == (1, 1)
    assert len(counted) == 1 and "page_stamps" in counted[0]  # the stamps, and nothing else
    assert first.html == (await show(sessions, None)).html


@pytest.mark.parametrize("write", sorted(WRITES))
async def test_after_each_write_the_overview_is_drawn_again_as_new(
    recorded: None, sessions: Sessions, write: str
) -> None:
    """S101's overview (a row per PCSO, both teams) and CSU's page: drawn again after the
    write, counting CSU alone where only CSU's stamp moved; PSTF uses PCSO returns and CSU
    does not, so their members' columns and series differ."""
    await run(sessions, lambda k: update(Team).where(Team.id == k[PSTF]).values(pcso_returns=True))
    kept: KeptPages[Page] = KeptPages()
    before = await show(sessions, kept)
    team_page = await show(sessions, kept, team=str((await ids(sessions))[CSU]))
    assert (kept.teams.drawn, kept.teams.found) == (2, 1)  # CSU's rows drawn once
    await WRITES[write](sessions)
    after = await show(sessions, kept)
    assert after is not before and kept.drawn == 3, write
    both = write == "an officer moving team"
    assert (kept.teams.drawn, kept.teams.found) == ((4, 1) if both else (3, 2)), write
    assert after.html == (await show(sessions, None)).html, write
    again = await show(sessions, kept, team=str((await ids(sessions))[CSU]))
    assert again is not team_page, write
    assert again.html == (await show(sessions, None, team=str((await ids(sessions))[CSU]))).html


@pytest.mark.parametrize("write", sorted(WRITES))
async def test_a_row_per_team_overview_counts_again_only_the_teams_written_to(
    recorded: None, sessions: Sessions, write: str
) -> None:
    """The inspector's overview (a row per team) drawn again after a write counts the
    teams whose stamps moved and takes the others' figures as kept, and is exactly what
    drawing every team afresh gives. PSTF uses PCSO returns and CSU does not, so the
    teams' series differ and are added up in their parts' order."""
    await run(sessions, lambda k: update(Team).where(Team.id == k[PSTF]).values(pcso_returns=True))
    kept: KeptPages[Page] = KeptPages()
    before = await show(sessions, kept, "I501")
    assert (kept.teams.drawn, kept.teams.found) == (2, 0)
    await WRITES[write](sessions)
    after = await show(sessions, kept, "I501")
    assert after is not before, write
    both = write == "an officer moving team"
    assert (kept.teams.drawn, kept.teams.found) == ((4, 0) if both else (3, 1)), write
    assert after.html == (await show(sessions, None, "I501")).html, write


async def test_a_write_changes_what_the_page_shows(recorded: None, sessions: Sessions) -> None:
    """Not only drawn again: the drawing shows the write (P302's Tuesday answered)."""
    kept: KeptPages[Page] = KeptPages()
    before = await show(sessions, kept)
    await briefing_answer(sessions)
    after = await show(sessions, kept)
    assert after.html != before.html


@pytest.mark.parametrize("write", ["a briefing answer", "a task's assignee", "an away period"])
async def test_a_write_to_another_team_leaves_the_page_kept(
    recorded: None, sessions: Sessions, write: str
) -> None:
    kept: KeptPages[Page] = KeptPages()
    csu = str((await ids(sessions))[CSU])
    page = await show(sessions, kept, team=csu)
    if write == "a briefing answer":
        async with store(sessions) as s:
            s.attend("P311", THU, "remote")
    elif write == "a task's assignee":
        task = await a_task(sessions, PSTF, THU, None)
        assigned = insert(TaskAssignee)
        await run(sessions, lambda k: assigned.values(task_id=task, officer_id=k["P312"]))
    else:
        async with store(sessions) as s:
            s.away("P311", THU, FRI, "training")
    assert await show(sessions, kept, team=csu) is page
    assert kept.found == 1


async def test_each_viewer_and_day_has_its_own_page(recorded: None, sessions: Sessions) -> None:
    kept: KeptPages[Page] = KeptPages()
    pstf = str((await ids(sessions))[PSTF])
    s101 = await show(sessions, kept, "S101", team=pstf)
    s102 = await show(sessions, kept, "S102", team=pstf)
    assert s102 is not s101 and kept.drawn == 2
    tomorrow = await show(sessions, kept, "S101", NOW.replace(day=2), team=pstf)
    assert tomorrow is not s101 and len(kept) == 1  # the day before's pages are dropped
    assert tomorrow.shown["day"] == "2026-12-02"


async def test_kept_pages_are_bounded_and_the_least_recent_goes_first(
    recorded: None, sessions: Sessions
) -> None:
    kept: KeptPages[Page] = KeptPages(size=2)
    known = await ids(sessions)
    everything = await show(sessions, kept)
    csu = await show(sessions, kept, team=str(known[CSU]))
    assert await show(sessions, kept) is everything  # now the most recent
    await show(sessions, kept, team=str(known[PSTF]))  # drops CSU's
    assert len(kept) == 2
    assert await show(sessions, kept) is everything
    assert await show(sessions, kept, team=str(known[CSU])) is not csu


async def stamps(sessions: Sessions) -> dict[str, int]:
    known = await ids(sessions)
    async with sessions() as session:
        found = await team_stamps(session, [known[CSU], known[PSTF]])
    return {CSU: found.get(known[CSU], 0), PSTF: found.get(known[PSTF], 0)}


@pytest.mark.parametrize(
    ("write", "moved"),
    [
        ("a briefing answer", {CSU}),
        ("a BWV answer changed", {CSU}),
        ("a team's return", {CSU}),
        ("an away period booked", {CSU}),
        ("a discussion deleted", {CSU}),
        ("an officer renamed", {CSU}),
        ("an officer moving team", {CSU, PSTF}),
        ("a team's briefing days", {CSU}),
        ("a plain SQL insert", {CSU}),
    ],
)
async def test_the_database_stamps_the_teams_of_what_is_written(
    recorded: None, sessions: Sessions, write: str, moved: set[str]
) -> None:
    before = await stamps(sessions)
    await WRITES[write](sessions)
    after = await stamps(sessions)
    assert {team for team in before if after[team] != before[team]} == moved
    assert all(after[team] >= before[team] for team in before)


async def test_a_cascade_and_a_task_gone_stamp_without_failing(
    recorded: None, sessions: Sessions
) -> None:
    """Deleting a task deletes its assignees by cascade: their triggers find no task and
    stamp nothing more, and nothing fails."""
    task = await a_task(sessions, CSU, FRI, None)
    await run(sessions, lambda k: insert(TaskAssignee).values(task_id=task, officer_id=k["P301"]))
    before = await stamps(sessions)
    await run(sessions, lambda k: delete(Tasking))
    assert (await stamps(sessions))[CSU] > before[CSU]
    async with sessions() as session:
        assert (await session.scalars(select(TaskAssignee))).all() == []


def tables_in(statements: list[str]) -> set[str]:
    names = set(Base.metadata.tables)
    return {t for t in names if any(re.search(rf"\b{t}\b", s) for s in statements)}


@pytest.mark.parametrize("who", ["S101", "I501", "A001"])
async def test_a_kept_page_reads_only_stamped_tables(
    recorded: None, sessions: Sessions, who: str
) -> None:
    """A new part of a kept page that reads a table with no stamp triggers would leave the
    page kept after that table changes: add the table's triggers (a migration) and its
    name to `storage.stamps.STAMPED`."""
    assert set(KEPT) == {"overview"}
    known = await ids(sessions)
    read: list[str] = []
    for params in ({}, {"team": str(known[CSU])}, {"district": "Maidstone"}):
        await show(sessions, None, who, NOW, read, **params)
    found = tables_in(read)
    assert found - STAMPED - DERIVED == set(), "stamp these tables: storage/stamps.py"
    assert {"attendance_answers", "officers", "away_periods"} <= found


async def test_every_stamped_table_has_its_triggers(engine: Any) -> None:
    wanted = {f"{t}_page_{e}" for t in STAMPED for e in ("insert", "update", "delete")}
    assert wanted <= await trigger_names(engine)
