"""page stamps: one stamp per team that every write to what the team's supervision pages
show adds one to, by trigger, whoever writes (`storage.stamps`): its daily answers, its
tasks, their assignees and its returns, its members' away periods, its discussed signals,
its roster (an officer joining, changing or leaving it) and its settings. The tab keeps a
drawn page while the stamps of the teams it shows stand (`bot/tab/kept_pages.py`).
A later migration that rebuilds one of these tables on SQLite (batch mode) drops the
triggers with it and must create them again.

Revision ID: 0010_page_stamps
Revises: 0009_kept_weeks
Create Date: 2026-12-07 21:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_page_stamps"
down_revision: str | Sequence[str] | None = "0009_kept_weeks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DIRECT = "SELECT {row}.team_id, 1 WHERE {row}.team_id IS NOT NULL"
TEAMS_OF = {
    "attendance_answers": DIRECT,
    "bwv_answers": DIRECT,
    "pcso_returns": DIRECT,
    "team_returns": DIRECT,
    "tasks": DIRECT,
    "signal_discussions": DIRECT,
    "officers": DIRECT,
    "teams": "SELECT {row}.id, 1 WHERE {row}.id IS NOT NULL",
    "task_assignees": "SELECT team_id, 1 FROM tasks WHERE id = {row}.task_id",
    "away_periods": (
        "SELECT team_id, 1 FROM officers WHERE id = {row}.officer_id AND team_id IS NOT NULL"
    ),
}
"""Each stamped table, and the (team, 1) its row `{row}` (NEW or OLD) stamps: the row's own
team, or the team of its task or of its officer now. (An officer moving team stamps both
teams, so their away periods are drawn again in each.)"""
EVENTS = ("insert", "update", "delete")
ROWS = {"insert": ("NEW",), "update": ("OLD", "NEW"), "delete": ("OLD",)}


def _bump(table: str, row: str) -> str:
    """SQL adding one to the stamp of each team of `row` (none when it has no team)."""
    return (
        f"INSERT INTO page_stamps (team_id, stamp) {TEAMS_OF[table].format(row=row)} "
        "ON CONFLICT (team_id) DO UPDATE SET stamp = page_stamps.stamp + 1"
    )


def _sqlite_triggers(table: str) -> list[str]:
    return [
        f"CREATE TRIGGER {table}_page_{event} AFTER {event.upper()} ON {table} BEGIN "
        + "".join(f"{_bump(table, row)}; " for row in ROWS[event])
        + "END"
        for event in EVENTS
    ]


def _postgresql_triggers(table: str) -> list[str]:
    function = (
        f"CREATE FUNCTION {table}_page_stamp() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"IF TG_OP <> 'INSERT' THEN {_bump(table, 'OLD')}; END IF; "
        f"IF TG_OP <> 'DELETE' THEN {_bump(table, 'NEW')}; END IF; "
        "RETURN NULL; END $$"
    )
    return [function] + [
        f"CREATE TRIGGER {table}_page_{event} AFTER {event.upper()} ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION {table}_page_stamp()"
        for event in EVENTS
    ]


def upgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    op.create_table(
        "page_stamps",
        sa.Column("team_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("stamp", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("team_id", name=op.f("pk_page_stamps")),
    )
    for table in TEAMS_OF:
        for statement in (_postgresql_triggers if postgresql else _sqlite_triggers)(table):
            op.execute(statement)


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table in TEAMS_OF:
        for event in EVENTS:
            on = f" ON {table}" if postgresql else ""
            op.execute(f"DROP TRIGGER {table}_page_{event}{on}")
        if postgresql:
            op.execute(f"DROP FUNCTION {table}_page_stamp()")
    op.drop_table("page_stamps")
