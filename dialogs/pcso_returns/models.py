"""PCSO daily returns: the five counts and a note; every changed submission is a new row
(the latest counts); the same as the latest, sent again, is not stored (`__content__`).

`__retention__` names the date column the retention purge judges a row's age by.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from dialogs.answers import DailyAnswer, latest_index
from dialogs.counts import COUNT_FIELDS
from storage.models import UTCDateTime, utcnow


class PcsoReturn(DailyAnswer):
    __tablename__ = "pcso_returns"
    __table_args__ = (
        Index("ix_pcso_returns_team_day", "team_id", "day"),
        Index("ix_pcso_returns_officer_day", "officer_id", "day"),
        latest_index("pcso_returns", "vulnerable_engagements"),
    )
    __retention__ = "day"
    __content__ = (*COUNT_FIELDS, "notes")

    cads_attended: Mapped[int] = mapped_column(Integer)
    themis_updated: Mapped[int] = mapped_column(Integer)
    intel_submitted: Mapped[int] = mapped_column(Integer)
    engagements: Mapped[int] = mapped_column(Integer)
    vulnerable_engagements: Mapped[int] = mapped_column(Integer)
    notes: Mapped[str | None] = mapped_column(String(1000))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
