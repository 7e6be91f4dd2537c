"""Body-worn video answers: every change is a new row; the latest for the day counts. The
same answer as the latest, sent again, is not stored (`__content__`, `dialogs.answers`).

`__retention__` names the date column the retention purge judges a row's age by.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from dialogs.answers import DailyAnswer, latest_index
from storage.models import UTCDateTime, utcnow

BWV_STATUSES = ("categorised", "no_footage", "need_help")
VULNERABLE_CONTACT = ("yes", "no")


class BwvAnswer(DailyAnswer):
    __tablename__ = "bwv_answers"
    __table_args__ = (
        # The officer and id too: the latest answer per officer and day from the index alone.
        Index("ix_bwv_answers_team_day", "team_id", "day", "officer_id", "id"),
        Index("ix_bwv_answers_officer_day", "officer_id", "day"),
        latest_index("bwv_answers", "bwv_status", "vulnerable_contact"),
    )
    __retention__ = "day"
    __content__ = ("bwv_status", "vulnerable_contact")

    # Each row is the officer's whole answer for the day after a change: the category
    # answer (None until they give one) and whether they engaged with a vulnerable person
    # (`yes`/`no`; None until they say). A tap on either carries the other over.
    bwv_status: Mapped[str | None] = mapped_column(String(20), nullable=True)
    vulnerable_contact: Mapped[str | None] = mapped_column(String(3))
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
