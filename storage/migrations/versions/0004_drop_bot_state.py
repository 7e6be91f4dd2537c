"""drop bot_state: no workflow keeps botbuilder dialog or conversation state

Revision ID: 0004_drop_bot_state
Revises: 0003_supervision
Create Date: 2026-11-30 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models.base

revision: str = "0004_drop_bot_state"
down_revision: str | Sequence[str] | None = "0003_supervision"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_table("bot_state")


def downgrade() -> None:
    op.create_table(
        "bot_state",
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("etag", sa.String(length=64), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("updated_at", storage.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_bot_state")),
    )
