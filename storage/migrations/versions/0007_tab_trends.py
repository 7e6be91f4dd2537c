"""tab trends: the team-and-day indexes of briefing and BWV answers cover the officer and
the answer's id, so the latest answer per officer and day over a team's weeks is read from
the index alone (bench/tab.py)

Revision ID: 0007_tab_trends
Revises: 0006_supervision_signals
Create Date: 2026-12-07 13:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007_tab_trends"
down_revision: str | Sequence[str] | None = "0006_supervision_signals"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("attendance_answers", "bwv_answers")


def upgrade() -> None:
    for table in TABLES:
        op.drop_index(f"ix_{table}_team_day", table_name=table)
        op.create_index(f"ix_{table}_team_day", table, ["team_id", "day", "officer_id", "id"])


def downgrade() -> None:
    for table in TABLES:
        op.drop_index(f"ix_{table}_team_day", table_name=table)
        op.create_index(f"ix_{table}_team_day", table, ["team_id", "day"])
