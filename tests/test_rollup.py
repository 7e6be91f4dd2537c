"""The inspector's weekly roll-up end to end (docs/guide.md, "The roll-up"), on SQLite and
PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from storage.models import AuditEntry
from tests.rig.connector import FakeConnector
from tests.rig.officer_day import Clock, run
from tests.rig.supervision import joined_long_ago, store
from tests.rig.teams import TeamsUser, card_texts

MONDAY = datetime(2026, 12, 7, 8, 30, tzinfo=UTC)  # review time, GMT
LAST_WEEK = [date(2026, 11, 30) + timedelta(days=n) for n in range(5)]
CSU, PSTF = "Maidstone CSU North", "Maidstone PSTF"

CSU_FIGURES = [
    "Maidstone CSU North",
    "Briefing attendance: 88% (22 of 25)",
    "Returns completed: 60% (3 of 5 briefing days)",
    "BWV answered: 87% (20 of 23)",
    "BWV categorised: 90% (18 of 20 answers)",
    "One-to-ones overdue: 2",
    "Reviews marked read: 40% (2 of 5 briefing days)",
]
PSTF_FIGURES = [
    "Maidstone PSTF",
    "Briefing attendance: 0% (0 of 15)",
    "Returns completed: 0% (0 of 5 briefing days)",
    "BWV answered: 0% (0 of 15)",
    "BWV categorised: —",
    "One-to-ones overdue: 3",
    "Reviews marked read: 0% (0 of 5 briefing days)",
]


TABLE = [
    "Worst team first. Percentages of what was due; — where nothing was.",
    *("Last week", "PSTF", "CSU North"),
    *("Briefing attendance", "0%", "88%"),
    *("Returns completed", "0%", "60%"),
    *("BWV answered", "0%", "87%"),
    *("BWV categorised", "—", "90%"),
    *("One-to-ones overdue", "3", "2"),
    *("Reviews marked read", "0%", "40%"),
    "Details",
]
"""One table, a column per team, worst first; then each team's figures in full."""
SHOWN = [*TABLE, *PSTF_FIGURES, *CSU_FIGURES]


@pytest.fixture
def clock() -> Clock:
    return Clock(MONDAY + timedelta(minutes=30))


@pytest.fixture
async def last_week(people, sessions) -> dict[str, TeamsUser]:
    """CSU North's week: two sick days and one unanswered briefing; three BWV days without
    an answer and two 'no footage'; returns on three days; two reviews read; two PCSOs
    without a one-to-one. PSTF recorded nothing."""
    await joined_long_ago(sessions)
    unanswered_bwv = {("P303", LAST_WEEK[2]), ("P301", LAST_WEEK[4]), ("P302", LAST_WEEK[4])}
    no_footage = {("P301", LAST_WEEK[0]), ("P302", LAST_WEEK[1])}
    async with store(sessions) as s:
        for day in LAST_WEEK:
            for collar in ("TL201", "P301", "P302", "P303", "P304"):
                if collar == "P304" and day in LAST_WEEK[:2]:
                    s.attend(collar, day, "sick")
                    continue
                if (collar, day) != ("P303", LAST_WEEK[2]):
                    s.attend(collar, day, "in_person")
                if (collar, day) not in unanswered_bwv:
                    s.bwv(
                        collar, day, "no_footage" if (collar, day) in no_footage else "categorised"
                    )
        for day in LAST_WEEK[:3]:
            s.team_return(CSU, day)
        s.team_return(CSU, LAST_WEEK[0])  # a correction: still one day
        s.read(CSU, LAST_WEEK[0], "S101")
        s.read(CSU, LAST_WEEK[2], "S101")
        s.read(CSU, LAST_WEEK[2], "I501")
        for collar in ("P301", "P302", "TL201"):
            s.one_to_one(collar, date(2026, 11, 20))
    return people


def rollups(connector: FakeConnector, user: TeamsUser) -> list[list[str]]:
    return [
        card_texts(s.card)
        for s in connector.to(user.conversation_id)
        if s.card and s.card["body"][0]["text"].startswith("Weekly roll-up")
    ]


async def test_monday_rollup_reaches_the_inspector_once_with_each_teams_figures(
    last_week, connector, sessions, settings
):
    early = await run(sessions, settings, "inspector-rollup", MONDAY - timedelta(minutes=1))
    assert early.run.occurrences == 0
    result = await run(sessions, settings, "inspector-rollup", MONDAY)
    # One run for all districts (not one per team), each district's card built once.
    assert (result.run.occurrences, result.run.recorded, result.sent) == (1, 1, 1)
    [card] = rollups(connector, last_week["I501"])
    assert card == ["Weekly roll-up: Maidstone, Mon 30 Nov 2026 to Sun 6 Dec 2026", *SHOWN]
    assert len(connector.messages()) == 1
    again = await run(sessions, settings, "inspector-rollup", MONDAY + timedelta(minutes=5))
    assert again.run.recorded == 0
    tuesday = await run(sessions, settings, "inspector-rollup", MONDAY + timedelta(days=1))
    assert tuesday.run.occurrences == 0


async def test_rollup_on_demand_for_inspectors_and_admins_only(last_week, sessions):
    inspector = (await last_week["I501"].say("rollup")).cards[0]
    assert card_texts(inspector)[1:] == SHOWN
    table = next(i for i in inspector["body"] if i["type"] == "Table")
    assert table["firstRowAsHeader"] is True
    assert inspector["msteams"] == {"width": "Full"}
    which = (await last_week["A001"].say("rollup")).all_text()
    assert which == "Which district? Type rollup followed by the district's name."
    admin = (await last_week["A001"].say("rollup Maidstone")).cards[0]
    assert card_texts(admin)[1:] == SHOWN
    for collar in ("P301", "S101"):
        refused = await last_week[collar].say("rollup")
        assert refused.all_text() == "Sorry, 'rollup [DISTRICT]' is only for admins, inspectors."
    async with sessions() as session:
        views = (await session.scalars(select(AuditEntry).order_by(AuditEntry.id))).all()
        assert [(v.action, v.actor, v.detail) for v in views] == [
            ("rollup.view", "I501", {"district": "Maidstone"}),
            ("rollup.view", "A001", {"district": "Maidstone"}),
        ]
