"""Supervision: the team's daily tasking and returns, review reads and one-to-ones.

Like the officer's day, nothing is overwritten: every tasking and every returns submission
is a new row, and the latest returns row for a team and day counts. `__retention__` names
the date column the retention purge judges a row's age by; assignees and outcomes go with
their task or return (ON DELETE CASCADE).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UTCDateTime, utcnow

OUTCOMES = ("done", "part_done", "not_done")
MAX_TASKS = 8
DESCRIPTION_MAX = 300
REFERENCE_MAX = 40
OUTCOME_NOTE_MAX = 300
RETURNS_NOTES_MAX = 1000
ONE_TO_ONE_NOTES_MAX = 1000


class Tasking(Base):
    """One posting of tasks by a team leader (or sergeant) for a team's day."""

    __tablename__ = "taskings"
    __table_args__ = (Index("ix_taskings_team_day", "team_id", "day"),)
    __retention__ = "day"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    posted_by_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id", ondelete="SET NULL"))
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Task(Base):
    """A task of the day. `position` (1–8) is its number in the day and in the returns."""

    __tablename__ = "tasks"
    __table_args__ = (
        UniqueConstraint("team_id", "day", "position"),
        Index("ix_tasks_tasking", "tasking_id"),
    )
    __retention__ = "day"

    id: Mapped[int] = mapped_column(primary_key=True)
    tasking_id: Mapped[int] = mapped_column(ForeignKey("taskings.id", ondelete="CASCADE"))
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    position: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(String(DESCRIPTION_MAX))
    reference: Mapped[str | None] = mapped_column(String(REFERENCE_MAX))


class TaskAssignee(Base):
    __tablename__ = "task_assignees"
    __table_args__ = (Index("ix_task_assignees_officer", "officer_id"),)

    task_id: Mapped[int] = mapped_column(
        ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True
    )
    officer_id: Mapped[int] = mapped_column(
        ForeignKey("officers.id", ondelete="CASCADE"), primary_key=True
    )


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
