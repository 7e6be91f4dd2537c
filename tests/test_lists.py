"""Lists bound as one parameter (storage/lists.py), on SQLite and PostgreSQL: the rows they
pick are the rows an expanding `IN` picks, for integers, dates and pairs, for an empty list
and for one of hundreds; the SQL text is the same whatever the list's length; a condition
is never compared with 1; the column's index is used."""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import (
    Column,
    Date,
    Integer,
    MetaData,
    Table,
    bindparam,
    event,
    insert,
    not_,
    select,
    tuple_,
)
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.lists import DATES, INTEGERS, PAIRS, one_of, pair_of

metadata = MetaData()
rows = Table(
    "list_rows",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("team_id", Integer, nullable=False, index=True),
    Column("officer_id", Integer, nullable=False),
    Column("day", Date, nullable=False),
)
FIRST = date(2026, 11, 2)
ID = rows.c.id


async def _filled(engine: AsyncEngine) -> None:
    choose = random.Random(7)
    async with engine.begin() as connection:
        await connection.run_sync(metadata.drop_all)
        await connection.run_sync(metadata.create_all)
        await connection.execute(
            insert(rows),
            [
                {
                    "team_id": choose.randint(1, 30),
                    "officer_id": choose.randint(1, 300),
                    "day": FIRST + timedelta(days=choose.randint(0, 90)),
                }
                for _ in range(3000)
            ],
        )


async def _ids(engine: AsyncEngine, statement: object, params: dict[str, object]) -> list[int]:
    async with engine.connect() as connection:
        return sorted((await connection.execute(statement, params)).scalars())  # type: ignore[call-overload]


async def test_the_rows_of_an_in_list(engine: AsyncEngine) -> None:
    await _filled(engine)
    choose = random.Random(11)
    try:
        for size in (0, 1, 5, 300):
            officers = sorted(choose.sample(range(1, 400), size))
            days = [FIRST + timedelta(days=choose.randint(0, 120)) for _ in range(size)]
            pairs = [(choose.randint(1, 30), choose.randint(1, 300)) for _ in range(size * 10)]
            ids = bindparam("ids", type_=INTEGERS)
            mine = select(ID).where(one_of(rows.c.officer_id, ids))
            expected = select(ID).where(rows.c.officer_id.in_(officers))
            assert await _ids(engine, mine, {"ids": officers}) == await _ids(engine, expected, {})
            outside = select(ID).where(not_(one_of(rows.c.officer_id, ids)))
            others = select(ID).where(rows.c.officer_id.not_in(officers))
            assert await _ids(engine, outside, {"ids": officers}) == await _ids(engine, others, {})
            on = select(ID).where(one_of(rows.c.day, bindparam("days", type_=DATES)))
            expected = select(ID).where(rows.c.day.in_(days))
            assert await _ids(engine, on, {"days": days}) == await _ids(engine, expected, {})
            paired = select(ID).where(
                pair_of(rows.c.team_id, rows.c.officer_id, bindparam("pairs", type_=PAIRS))
            )
            expected = select(ID).where(tuple_(rows.c.team_id, rows.c.officer_id).in_(pairs))
            assert await _ids(engine, paired, {"pairs": pairs}) == await _ids(engine, expected, {})
    finally:
        async with engine.begin() as connection:
            await connection.run_sync(metadata.drop_all)


async def test_one_sql_text_whatever_the_length(engine: AsyncEngine) -> None:
    """The same SQL runs for every list (the driver prepares it once), and is a condition
    of its own: on SQLite, not `(… IN …) = 1`, which no index serves."""
    await _filled(engine)
    ran: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            ran.append(statement)

    sql = select(ID).where(one_of(rows.c.officer_id, bindparam("ids", type_=INTEGERS)))
    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        for size in (1, 2, 50):
            await _ids(engine, sql, {"ids": list(range(1, size + 1))})
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)
        async with engine.begin() as connection:
            await connection.run_sync(metadata.drop_all)
    assert len(ran) == 3 and len(set(ran)) == 1, ran
    assert "= 1" not in ran[0]
    assert ("= ANY" in ran[0]) == (engine.dialect.name == "postgresql")


async def test_the_index_is_used(engine: AsyncEngine) -> None:
    await _filled(engine)
    statement = select(ID).where(one_of(rows.c.team_id, bindparam("teams", type_=INTEGERS)))
    try:
        async with engine.connect() as connection:
            sql = str(statement.compile(connection.sync_connection))
            if engine.dialect.name == "postgresql":
                await connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
                plan = await connection.exec_driver_sql(
                    "EXPLAIN " + sql.replace("$1::INTEGER[]", "'{1,2}'::integer[]")
                )
            else:
                plan = await connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", ("[1, 2]",))
            lines = " ".join(str(row[-1]) for row in plan)
        assert "ix_list_rows_team_id" in lines, lines
    finally:
        async with engine.begin() as connection:
            await connection.run_sync(metadata.drop_all)
