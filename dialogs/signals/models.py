"""A signal a sergeant has marked "discussed": who, when, with what note, and the evidence
the signal showed then (kept as it was, so the history reads the same after the answers
behind it are purged or changed).

`__retention__` names the date column the retention purge judges a row's age by.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base, UTCDateTime, utcnow


class SignalDiscussion(Base):
    """`key` names the signal (its kind, officer and the last day of its evidence), so a
    signal is marked once; new evidence after `through_day` is a new signal."""

    __tablename__ = "signal_discussions"
    __table_args__ = (
        Index("ix_signal_discussions_team_at", "team_id", "discussed_at"),
        Index("ix_signal_discussions_officer_kind", "officer_id", "kind", "through_day"),
    )
    __retention__ = "through_day"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id", ondelete="CASCADE"))
    first_day: Mapped[date] = mapped_column(Date)
    through_day: Mapped[date] = mapped_column(Date)
    evidence: Mapped[list[Any]] = mapped_column(JSON, default=list)
    note: Mapped[str] = mapped_column(String(1000))
    discussed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("officers.id", ondelete="SET NULL")
    )
    discussed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
