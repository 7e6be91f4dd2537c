"""supervision: tasking, tasks, assignees, team returns, outcomes, review reads, one-to-ones

Revision ID: 0003_supervision
Revises: 0002_officer_day
Create Date: 2026-11-22 16:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models.base

revision: str = "0003_supervision"
down_revision: str | Sequence[str] | None = "0002_officer_day"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_DATETIME = storage.models.base.UTCDateTime(timezone=True)


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete=ondelete
    )


def upgrade() -> None:
    op.create_table(
        "taskings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("posted_by_id", sa.Integer(), nullable=True),
        sa.Column("posted_at", UTC_DATETIME, nullable=False),
        _fk("taskings", "team_id", "teams", "CASCADE"),
        _fk("taskings", "posted_by_id", "officers", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_taskings")),
    )
    op.create_index("ix_taskings_team_day", "taskings", ["team_id", "day"])

    op.create_table(
        "tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tasking_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("description", sa.String(length=300), nullable=False),
        sa.Column("reference", sa.String(length=40), nullable=True),
        _fk("tasks", "tasking_id", "taskings", "CASCADE"),
        _fk("tasks", "team_id", "teams", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tasks")),
        sa.UniqueConstraint(
            "team_id", "day", "position", name=op.f("uq_tasks_team_id_day_position")
        ),
    )
    op.create_index("ix_tasks_tasking", "tasks", ["tasking_id"])

    op.create_table(
        "task_assignees",
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("officer_id", sa.Integer(), nullable=False),
        _fk("task_assignees", "task_id", "tasks", "CASCADE"),
        _fk("task_assignees", "officer_id", "officers", "CASCADE"),
        sa.PrimaryKeyConstraint("task_id", "officer_id", name=op.f("pk_task_assignees")),
    )
    op.create_index("ix_task_assignees_officer", "task_assignees", ["officer_id"])

    op.create_table(
        "team_returns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("submitted_by_id", sa.Integer(), nullable=True),
        sa.Column("submitted_at", UTC_DATETIME, nullable=False),
        sa.Column("cads_attended", sa.Integer(), nullable=False),
        sa.Column("themis_updated", sa.Integer(), nullable=False),
        sa.Column("intel_submitted", sa.Integer(), nullable=False),
        sa.Column("engagements", sa.Integer(), nullable=False),
        sa.Column("vulnerable_engagements", sa.Integer(), nullable=False),
        sa.Column("notes", sa.String(length=1000), nullable=True),
        _fk("team_returns", "team_id", "teams", "CASCADE"),
        _fk("team_returns", "submitted_by_id", "officers", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_team_returns")),
    )
    op.create_index("ix_team_returns_team_day", "team_returns", ["team_id", "day"])

    op.create_table(
        "task_outcomes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("return_id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=12), nullable=False),
        sa.Column("note", sa.String(length=300), nullable=True),
        _fk("task_outcomes", "return_id", "team_returns", "CASCADE"),
        _fk("task_outcomes", "task_id", "tasks", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_outcomes")),
        sa.UniqueConstraint(
            "return_id", "task_id", name=op.f("uq_task_outcomes_return_id_task_id")
        ),
    )
    op.create_index("ix_task_outcomes_task", "task_outcomes", ["task_id"])

    op.create_table(
        "review_reads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("officer_id", sa.Integer(), nullable=False),
        sa.Column("read_at", UTC_DATETIME, nullable=False),
        _fk("review_reads", "team_id", "teams", "CASCADE"),
        _fk("review_reads", "officer_id", "officers", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_reads")),
        sa.UniqueConstraint(
            "team_id", "day", "officer_id", name=op.f("uq_review_reads_team_id_day_officer_id")
        ),
    )

    op.create_table(
        "one_to_ones",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("officer_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("supervisor_id", sa.Integer(), nullable=True),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("osara_progress", sa.String(length=1000), nullable=True),
        sa.Column("engagement_notes", sa.String(length=1000), nullable=True),
        sa.Column("pnb_checked", sa.Boolean(), nullable=False),
        sa.Column("recorded_at", UTC_DATETIME, nullable=False),
        _fk("one_to_ones", "officer_id", "officers", "CASCADE"),
        _fk("one_to_ones", "team_id", "teams", "SET NULL"),
        _fk("one_to_ones", "supervisor_id", "officers", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_one_to_ones")),
    )
    op.create_index("ix_one_to_ones_officer_held", "one_to_ones", ["officer_id", "held_on"])
    op.create_index("ix_one_to_ones_team_held", "one_to_ones", ["team_id", "held_on"])


def downgrade() -> None:
    op.drop_table("one_to_ones")
    op.drop_table("review_reads")
    op.drop_table("task_outcomes")
    op.drop_table("team_returns")
    op.drop_table("task_assignees")
    op.drop_table("tasks")
    op.drop_table("taskings")
