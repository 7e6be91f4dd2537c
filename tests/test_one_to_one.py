"""Monthly one-to-ones end to end (docs/guide.md, "One-to-ones"): reminders, recording, overdue."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from dialogs.one_to_one.models import OneToOne
from tests.rig.connector import FakeConnector
from tests.rig.officer_day import Clock, deliver, run
from tests.rig.supervision import joined_long_ago, store
from tests.rig.teams import TeamsUser, card_texts

CSU = "Maidstone CSU North"
FIRST_OF_DECEMBER = datetime(2026, 12, 1, 8, 30, tzinfo=UTC)  # Tuesday, review time (GMT)


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 11, 30, 9, 0, tzinfo=UTC))


def november() -> list[date]:
    days = (date(2026, 11, 1) + timedelta(days=n) for n in range(30))
    return [d for d in days if d.weekday() < 5]


async def alex_in_november(people, sessions, settings, clock) -> None:  # type: ignore[no-untyped-def]
    """17 of 20 expected briefings, 16 of 18 BWV answers, 1 of 2 tasks done, 3 engagements."""
    await joined_long_ago(sessions)
    leader = people["TL201"]
    await leader.say("task Patrol town centre | OSARA-22 | P301, P302")
    await leader.say("task Speedwatch | P301")
    clock.now = datetime(2026, 11, 30, 16, 0, tzinfo=UTC)
    await leader.say("returns done, not done | 1 1 1 1 0")
    await deliver(sessions, settings, clock)
    absent = {
        date(2026, 11, 2): "sick",
        date(2026, 11, 3): "sick",
        date(2026, 11, 5): "annual_leave",
    }
    async with store(sessions) as s:
        for n, day in enumerate(november()):
            if day == date(2026, 11, 4):
                continue  # no answer
            s.attend("P301", day, absent.get(day, "in_person"))
            if day not in absent and n < 20:
                s.bwv("P301", day, "need_help" if n == 6 else "categorised")
        s.pcso_return("P301", date(2026, 11, 10), vulnerable_engagements=2)
        s.pcso_return("P301", date(2026, 11, 11), vulnerable_engagements=5)
        s.pcso_return("P301", date(2026, 11, 11), vulnerable_engagements=1)
        s.one_to_one("P301", date(2026, 10, 27))


def one_to_one_cards(connector: FakeConnector, user: TeamsUser) -> list[list[str]]:
    """The text of each one-to-one reminder card sent to the user."""
    return [
        card_texts(s.card)
        for s in connector.to(user.conversation_id)
        if s.card and s.card["body"][0]["text"].startswith("One-to-ones due this month")
    ]


async def test_reminders_on_the_first_briefing_day_of_the_month_with_a_summary_each(
    people, connector, sessions, settings, clock
):
    await alex_in_november(people, sessions, settings, clock)
    connector.clear()
    early = await run(
        sessions, settings, "one-to-one-reminders", FIRST_OF_DECEMBER - timedelta(minutes=1)
    )
    assert early.run.occurrences == 0
    result = await run(sessions, settings, "one-to-one-reminders", FIRST_OF_DECEMBER)
    assert (result.run.recorded, result.sent) == (3, 3)
    titles = sorted(card[0] for card in one_to_one_cards(connector, people["S101"]))
    assert titles == [
        "One-to-ones due this month: Maidstone CSU North",
        "One-to-ones due this month: Maidstone PSTF",
    ]
    [pstf] = one_to_one_cards(connector, people["S102"])
    assert "Taylor Brooks (P311)" in "\n".join(pstf)
    csu = next(card for card in one_to_one_cards(connector, people["S101"]) if CSU in card[0])
    assert "Figures for last month (November 2026)." in csu
    assert (
        "Alex Carter (P301): briefings 85% (17 of 20); tasks done 1 of 2; "
        "BWV answered 89% (16 of 18); vulnerable-person engagements 3; "
        "last one-to-one Tue 27 Oct 2026."
    ) in csu
    jordan = next(line for line in csu if line.startswith("Jordan Patel (P302)"))
    assert "tasks done 1 of 1" in jordan
    assert jordan.endswith("no one-to-one recorded (overdue).")
    assert connector.to(people["P301"].conversation_id) == []
    again = await run(sessions, settings, "one-to-one-reminders", FIRST_OF_DECEMBER)
    assert again.run.recorded == 0
    next_day = await run(
        sessions, settings, "one-to-one-reminders", FIRST_OF_DECEMBER + timedelta(days=1)
    )
    assert next_day.run.occurrences == 0


async def test_january_reminder_waits_for_the_first_briefing_day_after_the_bank_holiday(
    people, sessions, settings
):
    new_year = datetime(2027, 1, 1, 8, 30, tzinfo=UTC)  # Friday, a bank holiday
    assert (await run(sessions, settings, "one-to-one-reminders", new_year)).run.occurrences == 0
    monday = new_year + timedelta(days=3)
    assert (await run(sessions, settings, "one-to-one-reminders", monday)).run.recorded == 3


def overdue_lines(result: Any) -> str:
    """The review's one line of overdue one-to-ones."""
    [line] = [
        x
        for x in result.all_text().split("\n")
        if x.startswith(("One-to-one overdue", "One-to-ones overdue"))
    ]
    return line


async def test_recorded_one_to_one_is_overdue_after_36_days_not_35(people, sessions, clock):
    await joined_long_ago(sessions)
    clock.now = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
    sergeant = people["S101"]
    card = (await sergeant.say("one-to-one P303")).cards[0]
    ids = [item["id"] for item in card["body"] if "id" in item]
    assert ids == ["held_on", "osara_progress", "engagement_notes", "pnb_checked"]
    assert card["actions"][0]["data"] == {"verb": "one_to_one.record", "collar": "P303"}
    recorded = await sergeant.submit(
        {
            "verb": "one_to_one.record",
            "collar": "P303",
            "held_on": "2026-10-27",
            "osara_progress": "OSARA-22 on track",
            "engagement_notes": "PACT meeting held",
            "pnb_checked": "true",
        }
    )
    seen = recorded.all_text()
    assert "One-to-one recorded: Morgan Hughes (P303)" in seen
    assert "Pocket notebook check: done." in seen
    assert "The next one is due by Tue 1 Dec 2026." in seen
    on_day_35 = overdue_lines(await sergeant.say("review Maidstone CSU North 2026-12-01"))
    assert on_day_35.startswith("One-to-ones overdue: ")
    assert "Morgan Hughes" not in on_day_35
    assert "Alex Carter (P301) (none recorded)" in on_day_35
    on_day_36 = overdue_lines(await sergeant.say("review Maidstone CSU North 2026-12-02"))
    assert "Morgan Hughes (P303) (last Tue 27 Oct 2026, 36 days ago)" in on_day_36
    async with sessions() as session:
        row = await session.scalar(select(OneToOne))
        assert (row.held_on, row.osara_progress, row.engagement_notes, row.pnb_checked) == (
            date(2026, 10, 27),
            "OSARA-22 on track",
            "PACT meeting held",
            True,
        )


async def test_typed_one_to_one_and_refusals(people, sessions, clock):
    clock.now = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
    typed = await people["S101"].say(
        "one-to-one P304 | OSARA-31 reviewed | Met the residents' association | pnb no"
    )
    assert "One-to-one recorded: Riley Evans (P304)" in typed.all_text()
    assert "Pocket notebook check: not done." in typed.all_text()
    inspector = await people["I501"].say("one to one P311 | On track | Two surgeries | yes")
    assert "One-to-one recorded: Taylor Brooks (P311)" in inspector.all_text()
    refusals = {
        "S102": ("one-to-one P301", "'P301' is not a PCSO in a team you supervise."),
        "P301": (
            "one-to-one P302",
            "Sorry, 'one-to-one COLLAR' is only for inspectors, sergeants.",
        ),
    }
    for collar, (said, expected) in refusals.items():
        assert (await people[collar].say(said)).all_text() == expected
    sergeant = people["S101"]
    not_pcso = (await sergeant.say("one-to-one S102")).all_text()
    assert not_pcso == "'S102' is not a PCSO in a team you supervise."
    record = {"verb": "one_to_one.record", "collar": "P301", "pnb_checked": "false"}
    future = await sergeant.submit({**record, "held_on": "2026-12-02"})
    assert "only be recorded once it has been held" in future.all_text()
    maybe = await sergeant.submit({**record, "held_on": "2026-12-01", "pnb_checked": "maybe"})
    assert "Answer yes or no" in maybe.all_text()
    long = await sergeant.submit({**record, "held_on": "2026-12-01", "osara_progress": "x" * 1001})
    assert "OSARA progress is limited to 1000 characters; it has 1001." in long.all_text()
    bad_date = await sergeant.submit({**record, "held_on": "1 December"})
    assert "is not a date" in bad_date.all_text()
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(OneToOne)) == 2
        pnb = await session.scalar(
            select(OneToOne.pnb_checked).where(OneToOne.osara_progress == "OSARA-31 reviewed")
        )
        assert pnb is False
