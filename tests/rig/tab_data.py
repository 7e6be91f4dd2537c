"""A week of answers behind every figure of the supervision tab, and a discussed signal:
CSU North's week of Monday 23 November 2026 (the week before the default test day), every
kind of briefing day, BWV answers with vulnerable contacts, returns; P311 (PSTF) joining the
roster on the Wednesday. tests/test_trends.py says what each figure comes to."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dialogs.signals.kinds import VULNERABLE_NO_VPC, signal_key
from dialogs.signals.models import SignalDiscussion
from tests.rig.supervision import at, joined_long_ago, store

WEEK = [date(2026, 11, 23) + timedelta(days=n) for n in range(5)]
MON, TUE, WED, THU, FRI = WEEK
SATURDAY = date(2026, 11, 28)
CSU, PSTF = "Maidstone CSU North", "Maidstone PSTF"
CSU_MEMBERS = ("P301", "P302", "P303", "P304", "TL201")
ABSENCES = ("sick", "training", "court", "other_duty", "rest_day")
DISCUSSED_KEY = signal_key(VULNERABLE_NO_VPC, "P303", FRI)
DISCUSSED_NOTE = "Spoke with Morgan; the footage is now categorised"


async def week_of_answers(sessions: async_sessionmaker[AsyncSession]) -> None:
    await joined_long_ago(sessions)
    async with store(sessions) as s:
        s.attend("P301", MON, "remote", hour=7)
        for day in WEEK:
            s.attend("P301", day, "in_person")  # Monday's change: the latest counts
            s.attend("TL201", day, "remote")
            s.bwv("P301", day, "categorised")
        for day, absence in zip(WEEK, ABSENCES, strict=True):
            s.attend("P302", day, absence)
        s.away("P303", MON, WED, "annual_leave")
        s.attend("P303", WED, "in_person")  # answered while booked away: the answer counts
        s.attend("P303", THU, "annual_leave")
        s.bwv("P301", WED, "categorised", "yes", minute=5)
        s.bwv("P302", MON, "categorised")  # not on duty: not counted as answered
        s.bwv("P303", FRI, None, "yes")  # a contact with no category: not an answer
        s.bwv("P304", MON, "no_footage", "yes")
        s.bwv("TL201", MON, "need_help")
        s.bwv("TL201", TUE, "need_help")
        s.bwv("TL201", TUE, "categorised", minute=5)  # the latest counts
        for day in (MON, TUE, TUE, THU, SATURDAY):  # Tuesday corrected; Saturday's extra
            s.team_return(CSU, day)
        s.pcso_return("P301", MON, vulnerable_engagements=2)
        s.pcso_return("P301", MON, vulnerable_engagements=1)  # corrected: the latest counts
        s.pcso_return("P304", TUE, vulnerable_engagements=3)
        s.attend("P311", MON, "in_person")  # before joining: not counted
        s.attend("P311", WED, "in_person")
        s.attend("P311", THU, "in_person")
        s.officer["P311"].created_at = at(WED, 7)


async def discussed_signal(sessions: async_sessionmaker[AsyncSession]) -> None:
    """S101 marked P303's Friday (a vulnerable contact with no category) discussed."""
    async with store(sessions) as s:
        p303 = s.officer["P303"]
        s.session.add(
            SignalDiscussion(
                key=DISCUSSED_KEY,
                kind=VULNERABLE_NO_VPC,
                team_id=p303.team_id,
                officer_id=p303.id,
                first_day=FRI,
                through_day=FRI,
                evidence=[
                    {"day": FRI.isoformat(), "text": "vulnerable contact: yes; BWV: no answer"}
                ],
                note=DISCUSSED_NOTE,
                discussed_by_id=s.officer["S101"].id,
                discussed_at=at(SATURDAY + timedelta(days=2), 9, 15),
            )
        )
