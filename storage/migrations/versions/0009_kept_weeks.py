"""kept weeks: the tab's heaviest twelve-week figures are counted once per team and complete
week and kept (`kept_weeks`), and the database says when they are out of date: every
insert, change or delete of a daily answer (briefing, BWV, PCSO return) bumps its team and
week's stamp (`trend_stamps`) by trigger, whoever writes it (`dialogs.kept_weeks`).
A later migration that rebuilds one of these tables on SQLite (batch mode) drops the
triggers with it and must create them again.

Revision ID: 0009_kept_weeks
Revises: 0008_latest_answers
Create Date: 2026-12-07 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_kept_weeks"
down_revision: str | Sequence[str] | None = "0008_latest_answers"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("attendance_answers", "bwv_answers", "pcso_returns")
EVENTS = ("insert", "update", "delete")


def _bump(key: str, monday: str) -> str:
    """SQL adding one to the stamp of the team and week (starting on `monday`) of the row
    `key` (NEW or OLD)."""
    return (
        f"INSERT INTO trend_stamps (team_id, week, stamp) VALUES ({key}.team_id, {monday}, 1) "
        "ON CONFLICT (team_id, week) DO UPDATE SET stamp = trend_stamps.stamp + 1"
    )


def _sqlite_triggers(table: str) -> list[str]:
    def bump(key: str) -> str:
        return _bump(key, f"date({key}.day, 'weekday 0', '-6 days')")

    keys = {"insert": ("NEW",), "update": ("OLD", "NEW"), "delete": ("OLD",)}
    return [
        f"CREATE TRIGGER {table}_stamp_{event} AFTER {event.upper()} ON {table} BEGIN "
        + "".join(f"{bump(key)}; " for key in keys[event])
        + "END"
        for event in EVENTS
    ]


def _postgresql_function() -> str:
    def bump(key: str) -> str:
        return _bump(key, f"date_trunc('week', {key}.day)::date")

    return (
        "CREATE FUNCTION trend_stamp() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"IF TG_OP <> 'INSERT' THEN {bump('OLD')}; END IF; "
        f"IF TG_OP <> 'DELETE' THEN {bump('NEW')}; END IF; "
        "RETURN NULL; END $$"
    )


def _postgresql_triggers(table: str) -> list[str]:
    return [
        f"CREATE TRIGGER {table}_stamp_{event} AFTER {event.upper()} ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION trend_stamp()"
        for event in EVENTS
    ]


def upgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    op.create_table(
        "trend_stamps",
        sa.Column("team_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("week", sa.Date(), nullable=False),
        sa.Column("stamp", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "week", name=op.f("pk_trend_stamps")),
    )
    op.create_table(
        "kept_weeks",
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("week", sa.Date(), nullable=False),
        sa.Column("part", sa.String(length=200), nullable=False),
        sa.Column("stamp", sa.Integer(), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["teams.id"],
            name=op.f("fk_kept_weeks_team_id_teams"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("team_id", "week", "part", name=op.f("pk_kept_weeks")),
    )
    if postgresql:
        op.execute(_postgresql_function())
    for table in TABLES:
        for statement in (_postgresql_triggers if postgresql else _sqlite_triggers)(table):
            op.execute(statement)


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table in TABLES:
        for event in EVENTS:
            on = f" ON {table}" if postgresql else ""
            op.execute(f"DROP TRIGGER {table}_stamp_{event}{on}")
    if postgresql:
        op.execute("DROP FUNCTION trend_stamp()")
    op.drop_table("kept_weeks")
    op.drop_table("trend_stamps")
