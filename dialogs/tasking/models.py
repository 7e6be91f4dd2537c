"""The team's daily tasking: tasks numbered 1–8. A posting from the card sets the day's
tasks (replacing those set, see `dialogs.tasking.handlers`); a typed task adds one.

`__retention__` names the date column the retention purge judges a row's age by; assignees
go with their task (ON DELETE CASCADE).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base, UTCDateTime, utcnow

MAX_TASKS = 8
DESCRIPTION_MAX = 300
REFERENCE_MAX = 40


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
