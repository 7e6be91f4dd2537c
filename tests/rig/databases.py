"""Test databases: a migrated SQLite template copied per test, and one PostgreSQL database
per test session (its own name, so parallel runs never collide) truncated between tests."""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from pathlib import Path

import asyncpg
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db import create_engine
from storage.migrate import upgrade
from storage.models import Base

PG_URL = os.environ.get("PCSO_TEST_PG_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
REQUIRE_PG = os.environ.get("PCSO_REQUIRE_POSTGRES", "") not in ("", "0", "false")


def _plain(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _pg_reachable() -> str | None:
    try:
        connection = await asyncpg.connect(_plain(PG_URL), timeout=5)
    except (TimeoutError, OSError, asyncpg.PostgresError) as error:
        return f"PostgreSQL at {make_url(PG_URL).render_as_string()} is unreachable: {error}"
    await connection.close()
    return None


async def _migrate(url: str) -> None:
    engine = create_engine(url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()


def make_sqlite_template(directory: Path) -> Path:
    path = directory / "template.db"
    asyncio.run(_migrate(f"sqlite+aiosqlite:///{path}"))
    return path


def sqlite_copy(template: Path, directory: Path) -> str:
    target = directory / f"pcso-{uuid.uuid4().hex[:8]}.db"
    shutil.copy(template, target)
    return f"sqlite+aiosqlite:///{target}"


class PostgresDatabase:
    """Creates `pcso_test_<random>` on the server, migrated once; dropped at the end."""

    def __init__(self) -> None:
        self.name = f"pcso_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        self.url = make_url(PG_URL).set(database=self.name).render_as_string(hide_password=False)

    def unavailable(self) -> str | None:
        return asyncio.run(_pg_reachable())

    def create(self) -> None:
        async def run() -> None:
            connection = await asyncpg.connect(_plain(PG_URL))
            try:
                await connection.execute(f'CREATE DATABASE "{self.name}"')
            finally:
                await connection.close()
            await _migrate(self.url)

        asyncio.run(run())

    def drop(self) -> None:
        async def run() -> None:
            connection = await asyncpg.connect(_plain(PG_URL))
            try:
                await connection.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
            finally:
                await connection.close()

        asyncio.run(run())


async def truncate_all(engine: AsyncEngine) -> None:
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    async with engine.begin() as connection:
        await connection.execute(text(f"TRUNCATE TABLE {tables} RESTART IDENTITY CASCADE"))


async def trigger_names(engine: AsyncEngine) -> set[str]:
    """The names of the triggers the database has (SQLite or PostgreSQL)."""
    async with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            query = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
        else:
            query = "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
        return {name for (name,) in await connection.execute(text(query))}
