"""Morning-review benchmark: does building one team's review grow with the history?

    python bench/review.py                  # SQLite, then PostgreSQL if reachable
    python bench/review.py --repeat 600     # more reviews per line

It builds a force of 300 PCSOs (team leaders included) in 30 teams under 10 sergeants and
3 inspectors twice over: once with one month of history, once with a year (the same last
month, and the eleven months before it). It then times the review of Tue 1 Dec 2026 on
both, in alternating rounds so that other load on the machine hits both alike, and prints
the median and 90th percentile per review, the SQL statements one review runs, and the
ratio of each median to the one-month median of the same run: a ratio near 1.0 means the
review does not grow with the history.

PostgreSQL: databases `pcso_bench_<pid>_1m` and `_12m` are created on the server of
$PCSO_BENCH_PG_URL (default postgresql+asyncpg://postgres@127.0.0.1:5432/postgres) and
dropped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import random
import statistics
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
from sqlalchemy import event, insert, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from dialogs.away.models import AwayPeriod
from dialogs.briefing.models import ATTENDANCE_ANSWERS, AttendanceAnswer
from dialogs.bwv.models import BwvAnswer
from dialogs.calendar import is_bank_holiday
from dialogs.one_to_one.models import OneToOne
from dialogs.pcso_returns.models import PcsoReturn
from dialogs.returns.models import TaskOutcome, TeamReturn
from dialogs.review.models import ReviewRead
from dialogs.review.view import load_review
from dialogs.tasking.models import Task, TaskAssignee, Tasking
from storage.db import create_engine, create_sessionmaker
from storage.migrate import upgrade
from storage.models import Officer, Supervision, Team

TEAMS, MEMBERS, SERGEANTS, DISTRICTS = 30, 10, 10, 3
REVIEW_DAY = date(2026, 12, 1)
MONTH_START = date(2026, 11, 1)
YEAR_START = date(2025, 12, 1)
ZONE = ZoneInfo("Europe/London")
PG_URL = os.environ.get(
    "PCSO_BENCH_PG_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)
ATTENDANCE_WEIGHTS = (60, 20, 8, 4, 3, 2, 2, 1)  # in the order of ATTENDANCE_ANSWERS
CHUNK = 5000
SEED = 20261201
ROUNDS = 5


@dataclass
class Force:
    team_ids: list[int]
    members: dict[int, list[int]]  # team id → officer ids
    leaders: dict[int, int]
    sergeant_of: dict[int, int]
    next_id: dict[str, int] = field(default_factory=dict)

    def new_id(self, table: str) -> int:
        self.next_id[table] = self.next_id.get(table, 0) + 1
        return self.next_id[table]


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


JOINED = at(date(2025, 1, 6), 9)


def briefing_days(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        if day.weekday() < 5 and not is_bank_holiday(day):
            yield day
        day += timedelta(days=1)


# --- the force ---------------------------------------------------------------------------


async def build_force(engine: AsyncEngine) -> Force:
    teams: list[dict[str, Any]] = [
        {
            "id": n,
            "name": f"Team {n:02d}",
            "district": f"District {n % DISTRICTS}",
            "pcso_returns": n % 3 == 0,
            "created_at": JOINED,
            "updated_at": JOINED,
        }
        for n in range(1, TEAMS + 1)
    ]
    officers: list[dict[str, Any]] = []
    members: dict[int, list[int]] = {}
    for team in teams:
        ids = [len(officers) + i + 1 for i in range(MEMBERS)]
        members[team["id"]] = ids
        for i in ids:
            role = "team_leader" if i == ids[0] else "pcso"
            officers.append(_officer(i, role, team["district"], team["id"]))
    sergeant_of: dict[int, int] = {}
    for s in range(SERGEANTS):
        officers.append(_officer(len(officers) + 1, "sergeant", "HQ"))
        sergeant_of.update({t: len(officers) for t in range(s * 3 + 1, s * 3 + 4)})
    for d in range(DISTRICTS):
        officers.append(_officer(len(officers) + 1, "inspector", f"District {d}"))
    supervision = [{"sergeant_id": s, "team_id": t} for t, s in sergeant_of.items()]
    async with engine.begin() as connection:
        await connection.execute(insert(Team), teams)
        await connection.execute(insert(Officer), officers)
        await connection.execute(insert(Supervision), supervision)
    leaders = {team_id: ids[0] for team_id, ids in members.items()}
    return Force(list(members), members, leaders, sergeant_of)


def _officer(
    officer_id: int, role: str, district: str, team_id: int | None = None
) -> dict[str, Any]:
    collar = f"{role[0].upper()}{officer_id:04d}"
    return {
        "id": officer_id,
        "collar_number": collar,
        "name": f"Officer {collar}",
        "role": role,
        "team_id": team_id,
        "district": district,
        "email": f"{collar.lower()}@police.example",
        "active": True,
        "unreachable_since": at(date(2026, 11, 20), 9) if officer_id % 97 == 0 else None,
        "created_at": JOINED,
        "updated_at": JOINED,
    }


# --- a period of history -----------------------------------------------------------------


@dataclass
class Rows:
    by_model: dict[type, list[dict[str, Any]]] = field(default_factory=dict)

    def add(self, model: type, **values: Any) -> None:
        self.by_model.setdefault(model, []).append(values)

    def count(self) -> int:
        return sum(len(rows) for rows in self.by_model.values())


ORDER = (
    AttendanceAnswer,
    AwayPeriod,
    BwvAnswer,
    PcsoReturn,
    Tasking,
    Task,
    TaskAssignee,
    TeamReturn,
    TaskOutcome,
    ReviewRead,
    OneToOne,
)


def history(force: Force, first: date, last: date, rng: random.Random) -> Rows:
    rows = Rows()
    for team_id in force.team_ids:
        for day in briefing_days(first, last):
            _team_day(force, rows, team_id, day, rng)
        for officer_id in force.members[team_id]:
            _officer_months(force, rows, team_id, officer_id, first, last, rng)
    return rows


def _team_day(force: Force, rows: Rows, team_id: int, day: date, rng: random.Random) -> None:
    for officer_id in force.members[team_id]:
        on_duty = _attendance(rows, officer_id, team_id, day, rng)
        if on_duty and rng.random() < 0.9:
            status = rng.choices(("categorised", "no_footage", "need_help"), (80, 15, 5))[0]
            rows.add(
                BwvAnswer,
                officer_id=officer_id,
                team_id=team_id,
                day=day,
                bwv_status=status,
                answered_at=at(day, 15, 40),
            )
        if on_duty and team_id % 3 == 0 and rng.random() < 0.85:
            rows.add(PcsoReturn, **_pcso_return(officer_id, team_id, day, rng))
    tasks = _tasking(force, rows, team_id, day, rng)
    for _ in range(rng.choices((0, 1, 2), (10, 80, 10))[0]):
        _returns(force, rows, team_id, day, tasks, rng)
    if rng.random() < 0.8:
        rows.add(
            ReviewRead,
            team_id=team_id,
            day=day,
            officer_id=force.sergeant_of[team_id],
            read_at=at(day, 8, 45),
        )


def _attendance(rows: Rows, officer_id: int, team_id: int, day: date, rng: random.Random) -> bool:
    """Zero, one or two answers (a change); True when the officer is on duty."""
    if rng.random() < 0.03:
        return True
    answer = ""
    for hour in (7, 8)[: 2 if rng.random() < 0.1 else 1]:
        answer = rng.choices(ATTENDANCE_ANSWERS, ATTENDANCE_WEIGHTS)[0]
        rows.add(
            AttendanceAnswer,
            officer_id=officer_id,
            team_id=team_id,
            day=day,
            attendance=answer,
            answered_at=at(day, hour, 50),
            late=False,
            source="card",
        )
    return answer in ("in_person", "remote")


def _pcso_return(officer_id: int, team_id: int, day: date, rng: random.Random) -> dict[str, Any]:
    return {
        "officer_id": officer_id,
        "team_id": team_id,
        "day": day,
        "cads_attended": rng.randint(0, 5),
        "themis_updated": rng.randint(0, 3),
        "intel_submitted": rng.randint(0, 2),
        "engagements": rng.randint(0, 20),
        "vulnerable_engagements": rng.choices((0, 1, 2), (85, 10, 5))[0],
        "notes": None,
        "submitted_at": at(day, 16, 30),
    }


def _tasking(force: Force, rows: Rows, team_id: int, day: date, rng: random.Random) -> list[int]:
    tasking_id = force.new_id("taskings")
    rows.add(
        Tasking,
        id=tasking_id,
        team_id=team_id,
        day=day,
        posted_by_id=force.leaders[team_id],
        posted_at=at(day, 9),
    )
    tasks = []
    for position in (1, 2, 3):
        task_id = force.new_id("tasks")
        rows.add(
            Task,
            id=task_id,
            tasking_id=tasking_id,
            team_id=team_id,
            day=day,
            position=position,
            description=f"Patrol area {position}",
            reference=f"OSARA-{rng.randint(1, 99)}",
        )
        for officer_id in rng.sample(force.members[team_id][1:], 2):
            rows.add(TaskAssignee, task_id=task_id, officer_id=officer_id)
        tasks.append(task_id)
    return tasks


def _returns(
    force: Force, rows: Rows, team_id: int, day: date, tasks: list[int], rng: random.Random
) -> None:
    return_id = force.new_id("team_returns")
    rows.add(
        TeamReturn,
        id=return_id,
        team_id=team_id,
        day=day,
        submitted_by_id=force.leaders[team_id],
        submitted_at=at(day, 16, 5),
        cads_attended=rng.randint(0, 10),
        themis_updated=rng.randint(0, 5),
        intel_submitted=rng.randint(0, 3),
        engagements=rng.randint(0, 40),
        vulnerable_engagements=rng.randint(0, 3),
        notes=None,
    )
    for task_id in tasks:
        outcome = rng.choices(("done", "part_done", "not_done"), (70, 20, 10))[0]
        rows.add(TaskOutcome, return_id=return_id, task_id=task_id, outcome=outcome, note=None)


def _officer_months(
    force: Force,
    rows: Rows,
    team_id: int,
    officer_id: int,
    first: date,
    last: date,
    rng: random.Random,
) -> None:
    """A one-to-one most months and an away period now and then."""
    month = first.replace(day=1)
    while month <= last:
        day = min(month + timedelta(days=rng.randint(0, 27)), last)
        if rng.random() < 0.9:
            rows.add(
                OneToOne,
                officer_id=officer_id,
                team_id=team_id,
                supervisor_id=force.sergeant_of[team_id],
                held_on=day,
                osara_progress="On track",
                engagement_notes="Street surgery",
                pnb_checked=True,
                recorded_at=at(day, 11),
            )
        if rng.random() < 0.25:
            rows.add(
                AwayPeriod,
                officer_id=officer_id,
                first_day=day,
                last_day=day + timedelta(days=rng.randint(2, 12)),
                reason="annual_leave",
                created_at=at(day, 7),
            )
        month = (month + timedelta(days=32)).replace(day=1)


async def load(engine: AsyncEngine, rows: Rows) -> None:
    async with engine.begin() as connection:
        for model in ORDER:
            batch = rows.by_model.get(model, [])
            for first in range(0, len(batch), CHUNK):
                await connection.execute(insert(model), batch[first : first + CHUNK])


@dataclass
class Database:
    name: str
    engine: AsyncEngine
    force: Force
    rows: int


async def prepare(name: str, url: str, *, year: bool, since: date | None = None) -> Database:
    """The force with the last month of history and, with `year`, the eleven months before
    (or, with `since`, the months from that day). The last month is the same in all (same
    seed); older rows are loaded first."""
    engine = create_engine(url)
    await upgrade(engine)
    force = await build_force(engine)
    periods = [(MONTH_START, REVIEW_DAY, SEED)]
    older = YEAR_START if year else since
    if older is not None:
        periods.insert(0, (older, MONTH_START - timedelta(days=1), SEED + 1))
    rows = 0
    for first, last, seed in periods:
        made = history(force, first, last, random.Random(seed))
        rows += made.count()
        await load(engine, made)
    await settle(engine)
    return Database(name, engine, force, rows)


async def settle(engine: AsyncEngine) -> None:
    """The database as a live one stands after a bulk load: statistics gathered and, on
    PostgreSQL, the rows vacuumed (autovacuum's work), so its index-only scans are not made
    to visit every row of a table just loaded."""
    async with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
            await autocommit.execute(text("VACUUM ANALYZE"))
        else:
            await connection.execute(text("ANALYZE"))
            await connection.commit()


# --- measuring ---------------------------------------------------------------------------


@dataclass
class Timings:
    ms: list[float] = field(default_factory=list)
    statements: int = 0
    counts: list[int] = field(default_factory=list)
    """Where measured, the statements each page ran (`statements` is the most)."""
    db_ms: list[float] = field(default_factory=list)
    """Of each `ms`, the time spent executing the statements (where measured)."""

    @property
    def median(self) -> float:
        return statistics.median(self.ms)

    @property
    def db_median(self) -> float:
        return statistics.median(self.db_ms) if self.db_ms else 0.0

    @property
    def p90(self) -> float:
        return sorted(self.ms)[int(len(self.ms) * 0.9) - 1]


async def measure(database: Database, reviews: int, into: Timings) -> None:
    """Build `reviews` reviews, round-robin over the teams, timing each one."""
    engine, team_ids = database.engine, database.force.team_ids
    sessions = create_sessionmaker(engine)
    statements: list[str] = []

    def count(*_args: Any) -> None:
        statements.append("")

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        for n in range(reviews):
            async with sessions() as session:
                team = await session.get(Team, team_ids[n % len(team_ids)])
                assert team is not None
                statements.clear()
                started = time.perf_counter()
                await load_review(session, team, REVIEW_DAY, ZONE)
                into.ms.append((time.perf_counter() - started) * 1000)
                into.statements = max(into.statements, len(statements))
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", count)


async def compare(month: Database, year: Database, repeat: int) -> list[str]:
    """Alternate rounds on the two databases, so load on the machine hits both alike."""
    gc.collect()
    for database in (month, year):
        await measure(database, len(database.force.team_ids), Timings())  # warm-up
    timings = {month.name: Timings(), year.name: Timings()}
    for _ in range(ROUNDS):
        for database in (month, year):
            await measure(database, max(1, repeat // ROUNDS), timings[database.name])
    baseline = timings[month.name].median
    return [_line(d, timings[d.name], baseline) for d in (month, year)]


def _line(database: Database, timings: Timings, baseline: float) -> str:
    kind, span = database.name.split(" ", 1)
    return (
        f"{kind:<11} {span:<10} {database.rows:>9,} {timings.median:>10.2f} "
        f"{timings.p90:>8.2f} {timings.statements:>11} {timings.median / baseline:>8.2f}"
    )


async def run_on(kind: str, month_url: str, year_url: str, repeat: int) -> list[str]:
    month = await prepare(f"{kind} 1 month", month_url, year=False)
    year = await prepare(f"{kind} 12 months", year_url, year=True)
    try:
        return await compare(month, year, repeat)
    finally:
        await month.engine.dispose()
        await year.engine.dispose()


# --- databases ---------------------------------------------------------------------------


def _plain(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def on_sqlite(repeat: int) -> list[str]:
    with tempfile.TemporaryDirectory() as directory:
        month, year = (f"sqlite+aiosqlite:///{Path(directory) / n}" for n in ("1m.db", "12m.db"))
        return await run_on("sqlite", month, year, repeat)


async def on_postgres(repeat: int) -> list[str]:
    names = [f"pcso_bench_{os.getpid()}_{span}" for span in ("1m", "12m")]
    try:
        admin = await asyncpg.connect(_plain(PG_URL), timeout=5)
    except (OSError, asyncpg.PostgresError) as error:
        return [f"postgresql  skipped: {error}"]
    try:
        for name in names:
            await admin.execute(f'CREATE DATABASE "{name}"')
        month, year = (
            make_url(PG_URL).set(database=n).render_as_string(hide_password=False) for n in names
        )
        return await run_on("postgresql", month, year, repeat)
    finally:
        for name in names:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def main(repeat: int) -> None:
    print(
        f"Morning review of one team for {REVIEW_DAY:%a %d %b %Y}: {TEAMS} teams, "
        f"{TEAMS * MEMBERS} PCSOs; median of {repeat} reviews per line, round-robin over "
        f"the teams, in {ROUNDS} alternating rounds."
    )
    print("ratio = median / median with 1 month of history, same database engine, same run")
    print(
        f"{'database':<11} {'history':<10} {'rows':>9} {'median ms':>10} {'p90 ms':>8} "
        f"{'statements':>11} {'ratio':>8}"
    )
    for run in (on_sqlite, on_postgres):
        for line in await run(repeat):
            print(line, flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=300, help="reviews per measurement")
    asyncio.run(main(parser.parse_args().repeat))
