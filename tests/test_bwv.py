"""BWV category reminders end to end: who is reminded, the answers, need_help to the sergeant."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from dialogs.bwv.models import BwvAnswer
from storage.models import Officer
from tests.rig.connector import FakeConnector, Sent
from tests.rig.officer_day import Clock, deliver, install_all, officers_of, run
from tests.rig.supervision import joined_long_ago
from tests.rig.teams import TeamsUser, action, card_texts

TUESDAY = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
BWV_TIME = datetime(2026, 12, 1, 15, 30, tzinfo=UTC)  # 15:30 GMT
CATEGORY = "Vulnerable person concern – no offence disclosed"


@pytest.fixture
def clock() -> Clock:
    return Clock(TUESDAY)


def reminders(connector: FakeConnector, user: TeamsUser) -> list[Sent]:
    return [
        s
        for s in connector.to(user.conversation_id)
        if s.method == "POST" and s.card and "Body-worn video" in s.card["body"][0]["text"]
    ]


def button(card: dict[str, Any] | None, title: str) -> dict[str, Any]:
    return dict(action(card, title)["data"])


def seen_on(sent: Sent) -> str:
    assert sent.card is not None
    return "\n".join(card_texts(sent.card))


async def bwv_answers(sessions, collar: str) -> list[str]:  # type: ignore[no-untyped-def]
    async with sessions() as session:
        return list(
            (
                await session.scalars(
                    select(BwvAnswer.bwv_status)
                    .join(Officer, Officer.id == BwvAnswer.officer_id)
                    .where(Officer.collar_number == collar)
                    .order_by(BwvAnswer.id)
                )
            ).all()
        )


async def test_reminder_only_to_members_on_duty(people, connector, sessions, settings, clock):
    await people["P301"].say("in person")
    await people["P302"].say("remote")
    await people["P303"].say("sick")
    await people["TL201"].say("rest day")
    await people["P311"].say("annual leave")
    await people["P312"].say("away today training")
    connector.clear()
    early = await run(sessions, settings, "bwv-reminders", BWV_TIME - timedelta(minutes=1))
    assert (early.run.occurrences, connector.messages()) == (0, [])
    await run(sessions, settings, "bwv-reminders", BWV_TIME)
    reminded = {c for c, u in people.items() if reminders(connector, u)}
    assert reminded == {"P301", "P302", "P304", "TL202"}
    seen = seen_on(reminders(connector, people["P304"])[0])
    assert CATEGORY in seen
    assert "engaged with a vulnerable person and no offence was disclosed" in seen
    await run(sessions, settings, "bwv-reminders", BWV_TIME + timedelta(hours=1))
    assert len(connector.messages()) == len(reminded)


async def test_no_reminder_on_a_bank_holiday(people, connector, sessions, settings):
    result = await run(
        sessions, settings, "bwv-reminders", datetime(2026, 12, 28, 15, 30, tzinfo=UTC)
    )
    assert (result.run.occurrences, connector.messages()) == (0, [])


async def test_each_answer_style_recorded_and_the_card_updated(
    people, connector, sessions, settings, clock
):
    await run(sessions, settings, "bwv-reminders", BWV_TIME)
    reminder = reminders(connector, people["P301"])[0]
    clock.now = BWV_TIME + timedelta(minutes=12)
    result = await people["P301"].submit(
        button(reminder.card, "Categorised"), reply_to=reminder.activity_id
    )
    [update] = result.replies
    assert (update.method, update.activity_id) == ("PUT", reminder.activity_id)
    seen = seen_on(update)
    assert "Your answer: Categorised" in seen and "Recorded at: 15:42" in seen
    result = await people["P301"].execute(
        "bwv.confirm", {"day": "2026-12-01", "bwv_status": "no_footage"}
    )
    assert "Your answer: No footage today" in result.all_text()
    await people["P301"].say("categorised")
    assert await bwv_answers(sessions, "P301") == ["categorised", "no_footage", "categorised"]


async def test_need_help_shows_guidance_and_tells_each_sergeant(
    people, sample_roster, teams_user, connector, sessions, settings, clock
):
    sergeants = officers_of(
        [r for r in sample_roster if r.collar_number in ("S101", "S102")], teams_user, connector
    )
    await install_all(sergeants)
    connector.clear()
    clock.now = BWV_TIME
    result = await people["P311"].execute(
        "bwv.confirm", {"day": "2026-12-01", "bwv_status": "need_help"}
    )
    seen = result.all_text()
    assert CATEGORY in seen
    assert "Your sergeant (Chris Walker, Pat Lewis) has been told" in seen
    await deliver(sessions, settings, clock)
    for collar in ("S101", "S102"):
        [told] = connector.to(sergeants[collar].conversation_id)
        assert told.text.startswith("BWV help requested: Taylor Brooks (P311), Maidstone PSTF")
    assert await bwv_answers(sessions, "P311") == ["need_help"]
    await people["P301"].say("need help")
    await deliver(sessions, settings, clock)
    assert len(connector.to(sergeants["S101"].conversation_id)) == 2
    assert len(connector.to(sergeants["S102"].conversation_id)) == 1


async def test_tapping_need_help_again_tells_the_sergeants_once(
    people, sample_roster, teams_user, connector, sessions, settings, clock
):
    sergeants = officers_of(
        [r for r in sample_roster if r.collar_number in ("S101", "S102")], teams_user, connector
    )
    await install_all(sergeants)
    connector.clear()
    clock.now = BWV_TIME
    help_ = {"day": "2026-12-01", "bwv_status": "need_help"}
    await people["P311"].execute("bwv.confirm", help_)
    await people["P311"].execute("bwv.confirm", {**help_, "bwv_status": "categorised"})
    again = await people["P311"].execute("bwv.confirm", help_)
    assert "has been told" in again.all_text()
    same = (await people["P311"].say("need help")).all_text()
    assert "Already recorded at 15:30: nothing new saved." in same and "has been told" in same
    await deliver(sessions, settings, clock)
    for collar in ("S101", "S102"):
        assert len(connector.to(sergeants[collar].conversation_id)) == 1
    # the same answer as the latest, typed again, is not stored twice
    assert await bwv_answers(sessions, "P311") == ["need_help", "categorised", "need_help"]


async def test_bwv_guidance_at_any_time_for_anyone(sample_roster, teams_user, connector):
    sergeant = officers_of(sample_roster, teams_user, connector)["S102"]
    seen = (await sergeant.say("bwv")).all_text()
    assert CATEGORY in seen


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"bwv_status": "maybe"}, "'maybe' is not a BWV answer"),
        ({"bwv_status": ""}, "is not a BWV answer"),
        ({"bwv_status": "categorised", "day": "2026-12-02"}, "has not started yet"),
    ],
)
async def test_bad_bwv_answers_refused_and_nothing_saved(people, sessions, clock, data, message):
    clock.now = BWV_TIME
    result = await people["P302"].execute("bwv.confirm", {"day": "2026-12-01"} | data)
    assert message in result.all_text()
    assert await bwv_answers(sessions, "P302") == []


async def test_yesterdays_reminder_taken_until_the_next_review(people, sessions, clock):
    answer = {"day": "2026-12-01", "bwv_status": "categorised"}
    clock.now = datetime(2026, 12, 2, 8, 29, tzinfo=UTC)
    await people["P302"].execute("bwv.confirm", answer)
    clock.now = datetime(2026, 12, 2, 8, 30, tzinfo=UTC)
    result = await people["P302"].execute("bwv.confirm", answer)
    assert "already gone to your sergeant's review" in result.all_text()
    assert await bwv_answers(sessions, "P302") == ["categorised"]


async def bwv_rows(sessions, collar: str) -> list[tuple[str | None, str | None]]:  # type: ignore[no-untyped-def]
    async with sessions() as session:
        rows = await session.execute(
            select(BwvAnswer.bwv_status, BwvAnswer.vulnerable_contact)
            .join(Officer, Officer.id == BwvAnswer.officer_id)
            .where(Officer.collar_number == collar)
            .order_by(BwvAnswer.id)
        )
        return [(status, vulnerable) for status, vulnerable in rows]


async def test_the_vulnerable_contact_question_on_the_card_and_carried_over(
    people, connector, sessions, settings, clock
):
    await run(sessions, settings, "bwv-reminders", BWV_TIME)
    reminder = reminders(connector, people["P301"])[0]
    seen = seen_on(reminder)
    assert "Did you engage with a vulnerable person today?" in seen
    assert button(reminder.card, "Yes") == {
        "verb": "bwv.confirm",
        "day": "2026-12-01",
        "vulnerable_contact": "yes",
    }
    clock.now = BWV_TIME + timedelta(minutes=5)
    first = await people["P301"].execute("bwv.confirm", button(reminder.card, "Yes"))
    shown = first.all_text()
    assert "Your answer: not answered yet" in shown and "Vulnerable contact: Yes" in shown
    second = await people["P301"].execute("bwv.confirm", button(reminder.card, "Categorised"))
    shown = second.all_text()
    assert "Your answer: Categorised" in shown and "Vulnerable contact: Yes" in shown
    both = {"day": "2026-12-01", "bwv_status": "no_footage", "vulnerable_contact": "no"}
    await people["P301"].execute("bwv.confirm", both)
    again = await people["P301"].execute(
        "bwv.confirm", {"day": "2026-12-01", "vulnerable_contact": "no"}
    )
    assert "Already recorded at 15:35: nothing new saved." in again.all_text()
    assert await bwv_rows(sessions, "P301") == [
        (None, "yes"),
        ("categorised", "yes"),
        ("no_footage", "no"),
    ]


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("categorised, vulnerable yes", [("categorised", "yes")]),
        ("No footage, vulnerable no.", [("no_footage", "no")]),
        ("need help, vulnerable yes", [("need_help", "yes")]),
        ("need_help vulnerable no", [("need_help", "no")]),
        ("vulnerable yes", [(None, "yes")]),
        ("Vulnerable no", [(None, "no")]),
        ("categorised", [("categorised", None)]),
    ],
)
async def test_typed_answers_with_the_vulnerable_contact(people, sessions, clock, typed, stored):
    clock.now = BWV_TIME
    result = await people["P302"].say(typed)
    assert "Recorded" in result.all_text()
    assert await bwv_rows(sessions, "P302") == stored


async def test_vulnerable_guidance_still_answers_and_bad_forms_are_refused(people, sessions):
    guidance = (await people["P302"].say("vulnerable")).all_text()
    assert "AWARE" in guidance
    for said in ("categorised, vulnerable maybe", "vulnerable yes please", "no footage, perhaps"):
        refused = (await people["P302"].say(said)).all_text()
        assert "To answer today's BWV reminder, type one of" in refused, said
    for data, words in (
        ({"vulnerable_contact": "maybe"}, "'maybe' is not an answer"),
        ({}, "That was not a BWV answer"),
    ):
        result = await people["P302"].execute("bwv.confirm", {"day": "2026-12-01"} | data)
        assert words in result.all_text()
    assert await bwv_rows(sessions, "P302") == []


async def test_a_pcso_day_is_three_taps_and_a_yes_without_footage_reaches_the_review(
    people, connector, sessions, settings, clock
):
    """Briefing, BWV category, vulnerable contact: three taps on the cards the bot sends;
    a "yes" with no footage is in the sergeant's next morning review, for discussion."""
    await joined_long_ago(sessions)
    pcso, taps = people["P301"], 0
    await run(sessions, settings, "briefing-prompts", TUESDAY)
    prompt = next(
        s for s in connector.to(pcso.conversation_id) if s.card and "Briefing" in seen_on(s)
    )
    clock.now = TUESDAY + timedelta(minutes=2)
    answered = await pcso.execute("briefing.attend", button(prompt.card, "In person"))
    taps += 1
    assert "Your answer: In person" in answered.all_text()
    await run(sessions, settings, "bwv-reminders", BWV_TIME)
    reminder = reminders(connector, pcso)[0]
    clock.now = BWV_TIME + timedelta(minutes=20)
    for title in ("No footage", "Yes"):
        result = await pcso.execute("bwv.confirm", button(reminder.card, title))
        taps += 1
    shown = result.all_text()
    assert "Your answer: No footage today" in shown and "Vulnerable contact: Yes" in shown
    assert taps == 3
    assert await bwv_rows(sessions, "P301") == [("no_footage", None), ("no_footage", "yes")]
    review = datetime(2026, 12, 2, 8, 30, tzinfo=UTC)
    connector.clear()
    await run(sessions, settings, "morning-review", review)
    [card] = [
        s.card
        for s in connector.to(people["S101"].conversation_id)
        if s.card and "Maidstone CSU North" in s.card["body"][0]["text"]
    ]
    lines = card_texts(card)
    start = lines.index("Needs your attention")
    assert (
        "Vulnerable contact without VPC-categorised footage (for discussion): "
        "Alex Carter (P301), Tue 1 Dec 2026"
    ) in lines[start:]
    assert (
        "Alex Carter (P301) — Vulnerable contact without VPC-categorised footage "
        "[vpc-p301-2026-12-01]: Tue 1 Dec 2026: vulnerable contact: yes; BWV: no footage"
    ) in lines
