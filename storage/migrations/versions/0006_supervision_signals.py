"""supervision signals: the vulnerable-contact answer, signal thresholds, discussed
signals, and the service's own keys

Revision ID: 0006_supervision_signals
Revises: 0005_delivery_send_by
Create Date: 2026-12-07 11:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models.base

revision: str = "0006_supervision_signals"
down_revision: str | Sequence[str] | None = "0005_delivery_send_by"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

THRESHOLDS = (
    ("signal_window_days", 28),
    ("silent_days", 3),
    ("vulnerable_days", 3),
    ("vulnerable_window_days", 14),
    ("need_help_days", 2),
)


def upgrade() -> None:
    with op.batch_alter_table("bwv_answers") as batch:
        batch.alter_column("bwv_status", existing_type=sa.String(20), nullable=True)
        batch.add_column(sa.Column("vulnerable_contact", sa.String(3), nullable=True))
    # Existing teams take the defaults; the model supplies them for new teams.
    with op.batch_alter_table("teams") as batch:
        for name, default in THRESHOLDS:
            batch.add_column(
                sa.Column(name, sa.Integer(), nullable=False, server_default=str(default))
            )
    with op.batch_alter_table("teams") as batch:
        for name, _ in THRESHOLDS:
            batch.alter_column(name, existing_type=sa.Integer(), server_default=None)
    op.create_table(
        "signal_discussions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(120), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("officer_id", sa.Integer(), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("through_day", sa.Date(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("note", sa.String(1000), nullable=False),
        sa.Column("discussed_by_id", sa.Integer(), nullable=True),
        sa.Column("discussed_at", storage.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["teams.id"],
            name=op.f("fk_signal_discussions_team_id_teams"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["officer_id"],
            ["officers.id"],
            name=op.f("fk_signal_discussions_officer_id_officers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["discussed_by_id"],
            ["officers.id"],
            name=op.f("fk_signal_discussions_discussed_by_id_officers"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signal_discussions")),
        sa.UniqueConstraint("key", name=op.f("uq_signal_discussions_key")),
    )
    op.create_index(
        "ix_signal_discussions_team_at", "signal_discussions", ["team_id", "discussed_at"]
    )
    op.create_index(
        "ix_signal_discussions_officer_kind",
        "signal_discussions",
        ["officer_id", "kind", "through_day"],
    )
    op.create_table(
        "service_keys",
        sa.Column("name", sa.String(40), nullable=False),
        sa.Column("secret", sa.String(200), nullable=False),
        sa.Column("created_at", storage.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_service_keys")),
    )


def downgrade() -> None:
    op.drop_table("service_keys")
    op.drop_index("ix_signal_discussions_officer_kind", table_name="signal_discussions")
    op.drop_index("ix_signal_discussions_team_at", table_name="signal_discussions")
    op.drop_table("signal_discussions")
    with op.batch_alter_table("teams") as batch:
        for name, _ in reversed(THRESHOLDS):
            batch.drop_column(name)
    # A row with only a vulnerable-contact answer has no category: it cannot go back.
    op.execute("DELETE FROM bwv_answers WHERE bwv_status IS NULL")
    with op.batch_alter_table("bwv_answers") as batch:
        batch.drop_column("vulnerable_contact")
        batch.alter_column("bwv_status", existing_type=sa.String(20), nullable=False)
