"""The migrations are the schema: after `db upgrade` the database is exactly what the models
describe, on SQLite and PostgreSQL, and every migration can be stepped down and up again."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import delete, insert, select, text, update
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from dialogs import answers
from dialogs.briefing.models import AttendanceAnswer
from storage.migrate import alembic_config, current_heads, expected_heads, upgrade
from storage.models import Base, Officer
from tests.rig.databases import trigger_names


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


def _down_to_base(connection: Connection) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.downgrade(config, "base")


async def test_a_migrated_database_is_what_the_models_describe(engine: AsyncEngine) -> None:
    assert await current_heads(engine) == set(expected_heads())
    async with engine.connect() as connection:
        differences = await connection.run_sync(_differences)
    assert differences == [], "models and migrations disagree; add a migration"


async def test_every_migration_steps_down_and_up_again(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        await connection.run_sync(_down_to_base)
    assert await current_heads(engine) == set()
    await upgrade(engine)
    assert await current_heads(engine) == set(expected_heads())
    async with engine.connect() as connection:
        assert await connection.run_sync(_differences) == []


# --- the latest answer per officer, team and day, kept by the database ---------------------


async def _latest_marks(engine: AsyncEngine, table: str) -> dict[int, bool]:
    async with engine.connect() as connection:
        rows = await connection.execute(text(f"SELECT id, latest FROM {table} ORDER BY id"))
        return {row_id: bool(latest) for row_id, latest in rows}


async def _expected_marks(engine: AsyncEngine, table: str) -> dict[int, bool]:
    """The rule the mark stands for, worked out the slow way: the highest id per officer,
    team and day."""
    async with engine.connect() as connection:
        rows = (
            await connection.execute(text(f"SELECT id, officer_id, team_id, day FROM {table}"))
        ).all()
    newest: dict[tuple[Any, ...], int] = {}
    for row_id, *key in rows:
        newest[tuple(key)] = max(newest.get(tuple(key), 0), row_id)
    return {row_id: newest[tuple(key)] == row_id for row_id, *key in rows}


async def test_the_database_marks_each_days_latest_answer_whoever_writes_it(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession], sample_roster: Any
) -> None:
    """Every writer is covered: the ORM (`answers.record`, the demo), Core inserts (the
    bench), deletes (the retention purge), a row moved to another day, and answers of the
    same day in two teams (an officer who moved), each the latest of its own team."""
    async with sessions() as session:
        officers = {o.collar_number: o for o in (await session.scalars(select(Officer))).all()}
    one, two = officers["P301"], officers["P302"]
    other_team = next(o.team_id for o in officers.values() if o.team_id != one.team_id)
    monday, tuesday = date(2026, 11, 30), date(2026, 12, 1)
    async with sessions() as session, session.begin():
        for attendance in ("in_person", "remote", "sick"):  # two changes of one answer
            await answers.record(
                session,
                AttendanceAnswer(
                    officer_id=one.id, team_id=one.team_id, day=monday, attendance=attendance
                ),
            )
        session.add(
            AttendanceAnswer(
                officer_id=two.id, team_id=two.team_id, day=monday, attendance="in_person"
            )
        )
    async with engine.begin() as connection:  # as the bench loads rows
        await connection.execute(
            insert(AttendanceAnswer),
            [
                {
                    "officer_id": one.id,
                    "team_id": one.team_id,
                    "day": tuesday,
                    "attendance": a,
                    "answered_at": datetime(2026, 12, 1, 8, tzinfo=UTC),
                }
                for a in ("remote", "in_person")
            ]
            + [
                {
                    "officer_id": one.id,
                    "team_id": other_team,
                    "day": tuesday,
                    "attendance": "remote",
                    "answered_at": datetime(2026, 12, 1, 9, tzinfo=UTC),
                }
            ],
        )
    table = "attendance_answers"
    marks = await _latest_marks(engine, table)
    assert marks == await _expected_marks(engine, table)
    assert sum(marks.values()) == 4  # P301 Monday, P302 Monday, P301 Tuesday in each team

    async with engine.begin() as connection:
        ids = await connection.execute(
            select(AttendanceAnswer.id).where(
                AttendanceAnswer.officer_id == one.id, AttendanceAnswer.day == monday
            )
        )
        mine = sorted(i for (i,) in ids)
        await connection.execute(delete(AttendanceAnswer).where(AttendanceAnswer.id == mine[-1]))
    assert (await _latest_marks(engine, table))[mine[-2]]  # the change before counts again
    async with engine.begin() as connection:
        await connection.execute(
            update(AttendanceAnswer).where(AttendanceAnswer.id == mine[0]).values(day=tuesday)
        )
    assert await _latest_marks(engine, table) == await _expected_marks(engine, table)
    for table in ("bwv_answers", "pcso_returns"):  # the same triggers on each daily answer
        assert await _latest_marks(engine, table) == {}


def _down_to(revision: str) -> Any:
    def down(connection: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, revision)

    return down


async def test_the_upgrade_marks_the_answers_already_stored(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession], sample_roster: Any
) -> None:
    """A force upgrading with years of answers: 0008 marks the latest of each officer, team
    and day among the rows already there, and the triggers take over from then."""
    async with sessions() as session:
        officers = {o.collar_number: o for o in (await session.scalars(select(Officer))).all()}
    async with engine.begin() as connection:
        await connection.run_sync(_down_to("0007_tab_trends"))
        rows = [
            (officers[collar], day, attendance)
            for collar, day, attendance in (
                ("P301", date(2026, 11, 30), "in_person"),
                ("P301", date(2026, 11, 30), "sick"),  # the change counts
                ("P302", date(2026, 11, 30), "remote"),
                ("P301", date(2026, 12, 1), "remote"),
            )
        ]
        for officer, day, attendance in rows:
            await connection.execute(
                text(
                    "INSERT INTO attendance_answers (officer_id, team_id, day, attendance, "
                    "answered_at, late, source) VALUES (:o, :t, :d, :a, :at, :late, 'card')"
                ),
                {
                    "o": officer.id,
                    "t": officer.team_id,
                    "d": day,
                    "a": attendance,
                    "at": datetime(2026, 12, 1, 8, tzinfo=UTC),
                    "late": False,
                },
            )
    await upgrade(engine)
    table = "attendance_answers"
    marks = await _latest_marks(engine, table)
    assert marks == await _expected_marks(engine, table)
    assert sum(marks.values()) == 3
    async with sessions() as session, session.begin():
        p302 = officers["P302"]
        await answers.record(
            session,
            AttendanceAnswer(
                officer_id=p302.id, team_id=p302.team_id, day=date(2026, 11, 30), attendance="sick"
            ),
        )
    assert await _latest_marks(engine, table) == await _expected_marks(engine, table)


EVENTS = ("insert", "delete", "update")


async def test_the_latest_answer_triggers_are_in_place(engine: AsyncEngine) -> None:
    """SQLite's batch migrations rebuild a table and drop its triggers with it: a later
    migration that rebuilds a daily answer table must create them again, or the marks
    (and the stamps of kept weeks) would silently stop following new answers."""
    tables = ("attendance_answers", "bwv_answers", "pcso_returns")
    wanted = {f"{table}_latest_{event}" for table in tables for event in EVENTS}
    wanted |= {f"{table}_stamp_{event}" for table in tables for event in EVENTS}  # kept weeks
    assert wanted <= await trigger_names(engine)
