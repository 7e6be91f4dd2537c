"""The officer's day: briefing answers, away periods, BWV answers, PCSO daily returns.

Every answer is a new row (changes are kept); the latest row for an officer and day counts.
`__retention__` names the date column the retention purge judges a row's age by.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UTCDateTime, utcnow

PRESENT = ("in_person", "remote")
ABSENCE_REASONS = ("rest_day", "annual_leave", "sick", "training", "other_duty", "court")
ATTENDANCE_ANSWERS = PRESENT + ABSENCE_REASONS
BWV_STATUSES = ("categorised", "no_footage", "need_help")
COUNT_FIELDS = (
    "cads_attended",
    "themis_updated",
    "intel_submitted",
    "engagements",
    "vulnerable_engagements",
)


class AttendanceAnswer(Base):
    __tablename__ = "attendance_answers"
    __table_args__ = (
        Index("ix_attendance_answers_team_day", "team_id", "day"),
        Index("ix_attendance_answers_officer_day", "officer_id", "day"),
    )
    __retention__ = "day"

    id: Mapped[int] = mapped_column(primary_key=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id", ondelete="CASCADE"))
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    attendance: Mapped[str] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(String(500))
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(String(20), default="card")


class AwayPeriod(Base):
    __tablename__ = "away_periods"
    __table_args__ = (
        Index("ix_away_periods_officer_dates", "officer_id", "first_day", "last_day"),
    )
    __retention__ = "last_day"

    id: Mapped[int] = mapped_column(primary_key=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id", ondelete="CASCADE"))
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class BwvAnswer(Base):
    __tablename__ = "bwv_answers"
    __table_args__ = (
        Index("ix_bwv_answers_team_day", "team_id", "day"),
        Index("ix_bwv_answers_officer_day", "officer_id", "day"),
    )
    __retention__ = "day"

    id: Mapped[int] = mapped_column(primary_key=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id", ondelete="CASCADE"))
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    bwv_status: Mapped[str] = mapped_column(String(20))
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PcsoReturn(Base):
    __tablename__ = "pcso_returns"
    __table_args__ = (
        Index("ix_pcso_returns_team_day", "team_id", "day"),
        Index("ix_pcso_returns_officer_day", "officer_id", "day"),
    )
    __retention__ = "day"

    id: Mapped[int] = mapped_column(primary_key=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id", ondelete="CASCADE"))
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    cads_attended: Mapped[int] = mapped_column(Integer)
    themis_updated: Mapped[int] = mapped_column(Integer)
    intel_submitted: Mapped[int] = mapped_column(Integer)
    engagements: Mapped[int] = mapped_column(Integer)
    vulnerable_engagements: Mapped[int] = mapped_column(Integer)
    notes: Mapped[str | None] = mapped_column(String(1000))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
