"""The migrations are the schema: after `db upgrade` the database is exactly what the models
describe, on SQLite and PostgreSQL, and every migration can be stepped down and up again."""

from __future__ import annotations

from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.migrate import alembic_config, current_heads, expected_heads, upgrade
from storage.models import Base


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
