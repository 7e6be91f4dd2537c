"""latest answers: each daily answer (briefing, BWV, PCSO return) says whether it is the
officer's latest for its team and day, kept by the database itself (a trigger on every
insert, delete and change of officer, team or day), so the tab's trends and the signals
read the answers that count from a partial index instead of working them out per view.
A later migration that rebuilds one of these tables on SQLite (batch mode) drops the
triggers with it and must create them again.

Revision ID: 0008_latest_answers
Revises: 0007_tab_trends
Create Date: 2026-12-07 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_latest_answers"
down_revision: str | Sequence[str] | None = "0007_tab_trends"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = {
    # table: the answer's columns the partial index covers
    "attendance_answers": ("attendance",),
    "bwv_answers": ("bwv_status", "vulnerable_contact"),
    "pcso_returns": ("vulnerable_engagements",),
}


def _recount(table: str, key: str) -> str:
    """SQL setting `latest` on every answer of the officer, team and day of the row `key`
    (NEW or OLD): true on the highest id alone."""
    same_day = f"officer_id = {key}.officer_id AND team_id = {key}.team_id AND day = {key}.day"
    newest = f"(SELECT max(id) FROM {table} WHERE {same_day})"
    return (
        f"UPDATE {table} SET latest = (id = {newest}) "
        f"WHERE {same_day} AND latest <> (id = {newest})"
    )


def _sqlite_triggers(table: str) -> list[str]:
    return [
        f"CREATE TRIGGER {table}_latest_insert AFTER INSERT ON {table} "
        f"BEGIN {_recount(table, 'NEW')}; END",
        f"CREATE TRIGGER {table}_latest_delete AFTER DELETE ON {table} WHEN OLD.latest "
        f"BEGIN {_recount(table, 'OLD')}; END",
        f"CREATE TRIGGER {table}_latest_update AFTER UPDATE OF officer_id, team_id, day "
        f"ON {table} BEGIN {_recount(table, 'OLD')}; {_recount(table, 'NEW')}; END",
    ]


def _postgresql_triggers(table: str) -> list[str]:
    return [
        f"CREATE FUNCTION {table}_latest() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"IF TG_OP <> 'INSERT' THEN {_recount(table, 'OLD')}; END IF; "
        f"IF TG_OP <> 'DELETE' THEN {_recount(table, 'NEW')}; END IF; "
        "RETURN NULL; END $$",
        f"CREATE TRIGGER {table}_latest_insert AFTER INSERT ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION {table}_latest()",
        f"CREATE TRIGGER {table}_latest_delete AFTER DELETE ON {table} "
        f"FOR EACH ROW WHEN (OLD.latest) EXECUTE FUNCTION {table}_latest()",
        f"CREATE TRIGGER {table}_latest_update AFTER UPDATE OF officer_id, team_id, day "
        f"ON {table} FOR EACH ROW EXECUTE FUNCTION {table}_latest()",
    ]


def upgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table, columns in TABLES.items():
        with op.batch_alter_table(table) as batch:
            batch.add_column(
                sa.Column("latest", sa.Boolean(), nullable=False, server_default=sa.false())
            )
        newest = f"SELECT max(id) FROM {table} GROUP BY officer_id, team_id, day"
        op.execute(f"UPDATE {table} SET latest = TRUE WHERE id IN ({newest})")
        op.create_index(
            f"ix_{table}_latest",
            table,
            ["team_id", "day", "officer_id", *columns, "latest"],
            sqlite_where=sa.text("latest = 1"),  # as SQLAlchemy writes `WHERE latest`
            postgresql_where=sa.text("latest"),
        )
        for statement in (_postgresql_triggers if postgresql else _sqlite_triggers)(table):
            op.execute(statement)


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table in TABLES:
        for event in ("insert", "delete", "update"):
            on = f" ON {table}" if postgresql else ""
            op.execute(f"DROP TRIGGER {table}_latest_{event}{on}")
        if postgresql:
            op.execute(f"DROP FUNCTION {table}_latest()")
        op.drop_index(f"ix_{table}_latest", table_name=table)
        with op.batch_alter_table(table) as batch:
            batch.drop_column("latest")
