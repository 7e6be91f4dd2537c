"""Briefing answers: every change is a new row (changes are kept); the latest counts. The
same answer as the latest, sent again, is not stored (`__content__`, `dialogs.answers`).

`__retention__` names the date column the retention purge judges a row's age by.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from dialogs.answers import DailyAnswer, latest_index
from dialogs.officer_day import ABSENCE_REASONS
from storage.models import UTCDateTime, utcnow

PRESENT = ("in_person", "remote")
ATTENDANCE_ANSWERS = PRESENT + ABSENCE_REASONS
PLANNED_OFF = ("rest_day", "annual_leave")
"""Answers that mean no briefing was expected of the officer that day."""


class AttendanceAnswer(DailyAnswer):
    __tablename__ = "attendance_answers"
    __table_args__ = (
        # The officer and id too: the latest answer per officer and day from the index alone.
        Index("ix_attendance_answers_team_day", "team_id", "day", "officer_id", "id"),
        Index("ix_attendance_answers_officer_day", "officer_id", "day"),
        latest_index("attendance_answers", "attendance"),
    )
    __retention__ = "day"
    __content__ = ("attendance", "note")

    attendance: Mapped[str] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(String(500))
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(String(20), default="card")
