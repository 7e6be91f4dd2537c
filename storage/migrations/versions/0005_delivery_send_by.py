"""delivery send_by: the instant a scheduled message stops being worth sending

Revision ID: 0005_delivery_send_by
Revises: 0004_drop_bot_state
Create Date: 2026-12-07 09:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models.base

revision: str = "0005_delivery_send_by"
down_revision: str | Sequence[str] | None = "0004_drop_bot_state"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Rows recorded before this release have none: they are sent as they always were.
    with op.batch_alter_table("deliveries") as batch:
        batch.add_column(
            sa.Column("send_by", storage.models.base.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_column("send_by")
