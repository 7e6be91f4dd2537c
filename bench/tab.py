"""Supervision-tab benchmark: does rendering a page grow with the history?

    python -m bench.tab                  # SQLite, then PostgreSQL if reachable
    python -m bench.tab --repeat 60      # more pages per line

The force of bench/review.py (300 PCSOs, team leaders included, in 30 teams under 10
sergeants and 3 inspectors, and an admin) with one month, three months (the tab's twelve
weeks full) and a year of history, vulnerable contacts on about one BWV answer in seven.
Each page is rendered as `render_page` renders it for the server, on Tue 1 Dec 2026 at
09:00, in alternating rounds over the databases: a sergeant's overview (3 teams, a row
per PCSO), an inspector's (10 teams, a row per team), an admin's (the force's three
districts, each opening its overview) and one district's as the admin opens it, the same
with nothing kept (the first view of its weeks, before `dialogs/kept_weeks.py` has kept
them), one team's page (`#overview?team=ID`, a row per PCSO), an officer page, a review
page and a PCSO's week. Each of these is drawn afresh every time, as the day's first
view is (or a view after writes to every one of its teams). Then, with pages kept as
`bot/tab/kept_pages.py` keeps them for the server: the sergeant's, the inspector's and the
district's overview after a member of one of its teams answers today's briefing (drawn
again, counting that team alone), and the same asked for a second time with nothing
written since (handed back). Each page is committed, as the server commits
it, so the weeks a page counts are kept for the next. It prints the median and 90th
percentile per page, the median number of SQL statements a page ran, and the ratio of each
median to the one-month median of the same page: a ratio near 1.0 from three months to a
year means the page does not grow with the history (one month fills only four of the
twelve weeks, so its ratio also counts the window filling up).

PostgreSQL: databases `pcso_bench_<pid>_<span>` on the server of $PCSO_BENCH_PG_URL
(default postgresql+asyncpg://postgres@127.0.0.1:5432/postgres), dropped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy import delete, event, insert, select, text
from sqlalchemy.engine import make_url

from bench.review import (
    DISTRICTS,
    JOINED,
    PG_URL,
    ROUNDS,
    TEAMS,
    ZONE,
    Database,
    Timings,
    _plain,
    prepare,
    settle,
)
from bot.app import steady_collector
from bot.tab.pages import KeptPages, Page, Viewer, render_page
from dialogs import registered
from dialogs.briefing.models import AttendanceAnswer
from dialogs.kept_weeks import KeptWeek
from storage import officers
from storage.db import create_sessionmaker
from storage.models import Officer, Team

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
SPANS = (("1 month", None), ("3 months", date(2026, 9, 1)), ("12 months", "year"))
SERGEANTS = range(301, 311)  # bench/review.py's officer ids: 300 members, then sergeants,
INSPECTORS = range(311, 314)  # then inspectors
ADMIN = 314


@dataclass(frozen=True)
class Ask:
    """A page as one viewer asks for it: the nth of a round picks whose."""

    page: str
    viewer: Callable[[int], int]
    params: Callable[[int], dict[str, str]]
    forget: bool = False
    """Whether nothing is kept when the page is asked for (the first view of its weeks:
    the kept weeks are deleted before it, outside the timing)."""
    kept: bool = False
    """Whether pages are kept (`bot/tab/kept_pages.py`), as the server keeps them: without
    `answer`, the page is asked for a second time with nothing it shows written since the
    first (outside the timing), and the kept page is handed back. The other pages are drawn
    afresh every time, as the day's first view is, or one after writes to each of their
    teams."""
    answer: bool = False
    """Whether, with pages kept, a member of one of the page's teams answers today's
    briefing before it is asked for (outside the timing): the page is drawn again, with
    only that team counted again where a page has a row per team."""


def _member(n: int) -> int:
    return 1 + (n * 37) % (TEAMS * 10)


def _collar(officer_id: int) -> str:
    """bench/review.py's collar numbers: each team's first member is its team leader."""
    return f"{'T' if officer_id % 10 == 1 else 'P'}{officer_id:04d}"


ASKS = {
    "overview, sergeant": Ask("overview", lambda n: SERGEANTS[n % 10], lambda n: {}),
    "overview, inspector": Ask("overview", lambda n: INSPECTORS[n % 3], lambda n: {}),
    "overview, admin": Ask("overview", lambda n: ADMIN, lambda n: {}),
    "district, admin": Ask(
        "overview", lambda n: ADMIN, lambda n: {"district": f"District {n % DISTRICTS}"}
    ),
    "district, first view": Ask(
        "overview",
        lambda n: ADMIN,
        lambda n: {"district": f"District {n % DISTRICTS}"},
        forget=True,
    ),
    "team view": Ask("overview", lambda n: ADMIN, lambda n: {"team": str(1 + n % TEAMS)}),
    "officer": Ask("officer", lambda n: ADMIN, lambda n: {"collar": _collar(_member(n))}),
    "review": Ask("review", lambda n: ADMIN, lambda n: {"team": str(1 + n % TEAMS)}),
    "week, PCSO": Ask("week", lambda n: _member(n), lambda n: {}),
    "sergeant, an answer": Ask(
        "overview", lambda n: SERGEANTS[n % 10], lambda n: {}, kept=True, answer=True
    ),
    "inspector, an answer": Ask(
        "overview", lambda n: INSPECTORS[n % 3], lambda n: {}, kept=True, answer=True
    ),
    "district, an answer": Ask(
        "overview",
        lambda n: ADMIN,
        lambda n: {"district": f"District {n % DISTRICTS}"},
        kept=True,
        answer=True,
    ),
    "sergeant, kept": Ask("overview", lambda n: SERGEANTS[n % 10], lambda n: {}, kept=True),
    "inspector, kept": Ask("overview", lambda n: INSPECTORS[n % 3], lambda n: {}, kept=True),
    "district, kept": Ask(
        "overview",
        lambda n: ADMIN,
        lambda n: {"district": f"District {n % DISTRICTS}"},
        kept=True,
    ),
}


async def add_admin_and_contacts(database: Database) -> None:
    """An admin, and a vulnerable contact (yes) on about one BWV answer in seven, no on the
    rest of one in three (bench/review.py's answers carry none)."""
    async with database.engine.begin() as connection:
        await connection.execute(
            insert(Officer),
            [
                {
                    "id": ADMIN,
                    "collar_number": "A0314",
                    "name": "Officer A0314",
                    "role": "admin",
                    "district": "HQ",
                    "email": "a0314@police.example",
                    "active": True,
                    "created_at": JOINED,
                    "updated_at": JOINED,
                }
            ],
        )
        await connection.execute(
            text(
                "UPDATE bwv_answers SET vulnerable_contact = CASE WHEN id % 7 = 0 THEN 'yes' "
                "WHEN id % 3 = 0 THEN 'no' END"
            )
        )
    await settle(database.engine)


async def answer_today(database: Database, ask: Ask, n: int) -> None:
    """A member of one of the teams of the nth page of `ask` answers today's briefing (again),
    as the bot stores it."""
    sessions = create_sessionmaker(database.engine)
    async with sessions() as session, session.begin():
        officer = await session.get(Officer, ask.viewer(n))
        assert officer is not None
        district = ask.params(n).get("district")
        teams = [
            t
            for t in await officers.visible_teams(session, officer)
            if district in (None, t.district)
        ]
        team = teams[(n * 7) % len(teams)]
        members = (await officers.members_of_teams(session, [team.id]))[team.id]
        session.add(
            AttendanceAnswer(
                officer_id=members[n % len(members)].id,
                team_id=team.id,
                day=NOW.astimezone(ZONE).date(),
                attendance="in_person",
                answered_at=NOW,
            )
        )


async def measure(
    database: Database, pages: int, into: dict[str, Timings], kept: KeptPages[Page]
) -> None:
    """`pages` of each kind, timing `render_page` alone (the viewer's teams are found
    first, as the server finds them when it signs the viewer in), and of that the time
    the database driver spends executing the page's statements (from the cursor's execute
    to its end, rows fetched included). The pages of a `kept` kind are kept in `kept`, as
    the server keeps them."""
    sessions = create_sessionmaker(database.engine)
    statements: list[float] = []
    started_at: list[float] = []

    def before(*_args: Any) -> None:
        started_at.append(time.perf_counter())

    def after(*_args: Any) -> None:
        statements.append(time.perf_counter() - started_at.pop())

    async def show(ask: Ask, n: int) -> float:
        """The nth page of `ask`, committed as served: its time in ms."""
        async with sessions() as session, session.begin():
            officer = await session.get(Officer, ask.viewer(n))
            assert officer is not None
            teams = (
                () if ask.page == "week" else tuple(await officers.visible_teams(session, officer))
            )
            statements.clear()
            started = time.perf_counter()
            await render_page(
                ask.page,
                ask.params(n),
                session=session,
                viewer=Viewer(officer, teams),
                now=NOW,
                zone=ZONE,
                views=registered(),
                kept=kept if ask.kept else None,
            )
            return (time.perf_counter() - started) * 1000

    engine = database.engine.sync_engine
    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        for name, ask in ASKS.items():
            for n in range(pages):
                if ask.answer:
                    await answer_today(database, ask, n)
                elif ask.kept:  # seen a moment before, with nothing written since
                    await show(ask, n)
                if ask.forget:  # the page's own teams' kept weeks, not the other pages'
                    district = Team.district == ask.params(n)["district"]
                    async with sessions() as session, session.begin():
                        await session.execute(
                            delete(KeptWeek).where(
                                KeptWeek.team_id.in_(select(Team.id).where(district))
                            )
                        )
                into[name].ms.append(await show(ask, n))
                into[name].db_ms.append(sum(statements) * 1000)
                into[name].counts.append(len(statements))
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)


async def compare(databases: list[Database], repeat: int) -> list[str]:
    """Alternate rounds on the databases, so load on the machine hits all alike; the
    cycle collector set as `pcso-bot serve` sets it, once the pages are warm."""
    kept: dict[str, KeptPages[Page]] = {d.name: KeptPages() for d in databases}
    for database in databases:
        warm_up = {name: Timings() for name in ASKS}
        await measure(database, 2, warm_up, kept[database.name])
    steady_collector()
    timings = {d.name: {name: Timings() for name in ASKS} for d in databases}
    for _ in range(ROUNDS):
        for database in databases:
            pages = max(1, repeat // ROUNDS)
            await measure(database, pages, timings[database.name], kept[database.name])
    lines = []
    for name in ASKS:
        baseline = timings[databases[0].name][name].median
        for database in databases:
            lines.append(_line(database, name, timings[database.name][name], baseline))
    return lines


def _median(counts: list[int]) -> int:
    return sorted(counts)[len(counts) // 2]


def _line(database: Database, page: str, timings: Timings, baseline: float) -> str:
    kind, span = database.name.split(" ", 1)
    return (
        f"{kind:<11} {page:<20} {span:<10} {database.rows:>9,} {timings.median:>10.2f} "
        f"{timings.p90:>8.2f} {timings.db_median:>6.2f} {_median(timings.counts):>11} "
        f"{timings.median / baseline:>6.2f}"
    )


async def run_on(kind: str, urls: list[str], repeat: int) -> list[str]:
    databases = []
    try:
        for (span, since), url in zip(SPANS, urls, strict=True):
            database = await prepare(
                f"{kind} {span}",
                url,
                year=since == "year",
                since=since if isinstance(since, date) else None,
            )
            databases.append(database)
            await add_admin_and_contacts(database)
        return await compare(databases, repeat)
    finally:
        for database in databases:
            await database.engine.dispose()


async def on_sqlite(repeat: int) -> list[str]:
    with tempfile.TemporaryDirectory() as directory:
        urls = [f"sqlite+aiosqlite:///{Path(directory) / f'{n}.db'}" for n in range(len(SPANS))]
        return await run_on("sqlite", urls, repeat)


async def on_postgres(repeat: int) -> list[str]:
    names = [f"pcso_bench_{os.getpid()}_tab{n}" for n in range(len(SPANS))]
    try:
        admin = await asyncpg.connect(_plain(PG_URL), timeout=5)
    except (OSError, asyncpg.PostgresError) as error:
        return [f"postgresql  skipped: {error}"]
    try:
        for name in names:
            await admin.execute(f'CREATE DATABASE "{name}"')
        urls = [
            make_url(PG_URL).set(database=n).render_as_string(hide_password=False) for n in names
        ]
        return await run_on("postgresql", urls, repeat)
    finally:
        for name in names:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def main(repeat: int) -> None:
    print(
        f"Supervision-tab pages on {NOW:%a %d %b %Y %H:%M} UTC: {TEAMS} teams, {TEAMS * 10} "
        f"PCSOs; median of {repeat} pages per line, in {ROUNDS} alternating rounds."
    )
    print("ratio = p50 / p50 with 1 month of history, same page, same engine, same run")
    print("db ms = of p50's page, the median time executing its statements in the driver")
    print(
        f"{'database':<11} {'page':<20} {'history':<10} {'rows':>9} {'p50 ms':>10} "
        f"{'p90 ms':>8} {'db ms':>6} {'statements':>11} {'ratio':>6}"
    )
    for run in (on_sqlite, on_postgres):
        for line in await run(repeat):
            print(line, flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=30, help="pages of each kind per line")
    asyncio.run(main(parser.parse_args().repeat))
