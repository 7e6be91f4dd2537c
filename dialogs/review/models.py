"""Reads of the morning review: who marked a team's review for a day as read.

`__retention__` names the date column the retention purge judges a row's age by.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base, UTCDateTime, utcnow


class ReviewRead(Base):
    """A sergeant (or inspector, admin) marked a team's morning review as read."""

    __tablename__ = "review_reads"
    __table_args__ = (UniqueConstraint("team_id", "day", "officer_id"),)
    __retention__ = "day"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id", ondelete="CASCADE"))
    read_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
