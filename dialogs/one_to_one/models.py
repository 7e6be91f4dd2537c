"""Monthly one-to-ones held with PCSOs (and team leaders).

`__retention__` names the date column the retention purge judges a row's age by.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base, UTCDateTime, utcnow

ONE_TO_ONE_NOTES_MAX = 1000


class OneToOne(Base):
    """A monthly one-to-one held with a PCSO."""

    __tablename__ = "one_to_ones"
    __table_args__ = (
        Index("ix_one_to_ones_officer_held", "officer_id", "held_on"),
        Index("ix_one_to_ones_team_held", "team_id", "held_on"),
    )
    __retention__ = "held_on"

    id: Mapped[int] = mapped_column(primary_key=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id", ondelete="CASCADE"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"))
    supervisor_id: Mapped[int | None] = mapped_column(
        ForeignKey("officers.id", ondelete="SET NULL")
    )
    held_on: Mapped[date] = mapped_column(Date)
    osara_progress: Mapped[str | None] = mapped_column(String(ONE_TO_ONE_NOTES_MAX))
    engagement_notes: Mapped[str | None] = mapped_column(String(ONE_TO_ONE_NOTES_MAX))
    pnb_checked: Mapped[bool] = mapped_column(Boolean)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
