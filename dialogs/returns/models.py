"""Team returns: each changed submission is a complete new row (the five counts, notes and
every task's outcome); the latest for a team and day counts, and the same as the latest
sent again is not stored.

`__retention__` names the date column the retention purge judges a row's age by; outcomes
go with their return or task (ON DELETE CASCADE).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base, UTCDateTime, utcnow

OUTCOMES = ("done", "part_done", "not_done")
OUTCOME_NOTE_MAX = 300
RETURNS_NOTES_MAX = 1000


class TeamReturn(Base):
    """One returns submission for a team's day: the five counts and notes."""

    __tablename__ = "team_returns"
    __table_args__ = (Index("ix_team_returns_team_day", "team_id", "day"),)
    __retention__ = "day"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    submitted_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("officers.id", ondelete="SET NULL")
    )
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    cads_attended: Mapped[int] = mapped_column(Integer)
    themis_updated: Mapped[int] = mapped_column(Integer)
    intel_submitted: Mapped[int] = mapped_column(Integer)
    engagements: Mapped[int] = mapped_column(Integer)
    vulnerable_engagements: Mapped[int] = mapped_column(Integer)
    notes: Mapped[str | None] = mapped_column(String(RETURNS_NOTES_MAX))


class TaskOutcome(Base):
    """The outcome of one task in one returns submission."""

    __tablename__ = "task_outcomes"
    __table_args__ = (
        UniqueConstraint("return_id", "task_id"),
        Index("ix_task_outcomes_task", "task_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    return_id: Mapped[int] = mapped_column(ForeignKey("team_returns.id", ondelete="CASCADE"))
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"))
    outcome: Mapped[str] = mapped_column(String(12))
    note: Mapped[str | None] = mapped_column(String(OUTCOME_NOTE_MAX))
