"""Briefing attendance end to end: prompts, the nudge, answers by card and by text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from dialogs.briefing.models import AttendanceAnswer
from storage.models import Delivery, Officer
from tests.rig.connector import FakeConnector, Sent
from tests.rig.officer_day import Clock, officers_of, run
from tests.rig.teams import TeamsUser, action, card_texts, inputs

TUESDAY = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)  # 08:00 GMT, Tuesday 1 December 2026
SUMMER = datetime(2026, 7, 1, 7, 0, tzinfo=UTC)  # 08:00 BST, Wednesday 1 July 2026
MEMBERS = {"TL201", "P301", "P302", "P303", "P304", "TL202", "P311", "P312"}
NORTH = {"TL201", "P301", "P302", "P303", "P304"}


@pytest.fixture
def clock() -> Clock:
    return Clock(TUESDAY)


def prompts(connector: FakeConnector, user: TeamsUser) -> list[Sent]:
    return [
        s
        for s in connector.to(user.conversation_id)
        if s.method == "POST" and s.card and s.card["body"][0]["text"].startswith("Briefing:")
    ]


def prompted(connector: FakeConnector, people: dict[str, TeamsUser]) -> set[str]:
    return {collar for collar, user in people.items() if prompts(connector, user)}


def button(card: dict[str, Any] | None, title: str) -> dict[str, Any]:
    assert card is not None
    if title == "Not attending":  # its form's Send button
        return dict(action(card, "Send")["data"])
    return dict(action(card, title)["data"])


def seen_on(sent: Sent) -> str:
    assert sent.card is not None
    return "\n".join(card_texts(sent.card))


async def answers(sessions, collar: str) -> list[AttendanceAnswer]:  # type: ignore[no-untyped-def]
    async with sessions() as session:
        return list(
            (
                await session.scalars(
                    select(AttendanceAnswer)
                    .join(Officer, Officer.id == AttendanceAnswer.officer_id)
                    .where(Officer.collar_number == collar)
                    .order_by(AttendanceAnswer.id)
                )
            ).all()
        )


async def test_one_prompt_per_member_at_0800_in_winter(people, connector, sessions, settings):
    early = await run(sessions, settings, "briefing-prompts", TUESDAY - timedelta(minutes=1))
    assert early.run.occurrences == 0
    assert connector.messages() == []
    result = await run(sessions, settings, "briefing-prompts", TUESDAY)
    assert result.run.recorded == len(MEMBERS)
    assert prompted(connector, people) == MEMBERS
    assert all(len(prompts(connector, people[c])) == 1 for c in MEMBERS)
    prompt = prompts(connector, people["P301"])[0]
    card = prompt.card
    assert card is not None
    seen = seen_on(prompt)
    assert "Briefing: Maidstone CSU North" in seen
    assert "When: Tue 1 Dec 2026, 08:00" in seen
    assert "Led by: Sam Okafor" in seen
    assert button(card, "In person") == {
        "verb": "briefing.attend",
        "day": "2026-12-01",
        "attendance": "in_person",
    }
    reasons = inputs(card)["attendance"]
    assert [c["value"] for c in reasons["choices"]] == [
        "rest_day",
        "annual_leave",
        "sick",
        "training",
        "other_duty",
        "court",
    ]
    again = await run(sessions, settings, "briefing-prompts", TUESDAY + timedelta(minutes=30))
    assert again.run.recorded == 0
    assert len(connector.messages()) == len(MEMBERS)


async def test_prompt_at_0800_local_in_summer_time(people, connector, sessions, settings):
    early = await run(sessions, settings, "briefing-prompts", SUMMER - timedelta(minutes=1))
    assert (early.run.occurrences, connector.messages()) == (0, [])
    await run(sessions, settings, "briefing-prompts", SUMMER)
    assert prompted(connector, people) == MEMBERS
    assert "When: Wed 1 Jul 2026, 08:00" in seen_on(prompts(connector, people["P311"])[0])


@pytest.mark.parametrize(
    "at",
    [
        datetime(2026, 12, 5, 8, 0, tzinfo=UTC),  # Saturday
        datetime(2026, 12, 6, 8, 30, tzinfo=UTC),  # Sunday
        datetime(2026, 12, 25, 8, 0, tzinfo=UTC),  # Christmas Day, a bank holiday
        datetime(2026, 8, 31, 7, 0, tzinfo=UTC),  # Summer bank holiday (08:00 BST)
    ],
)
async def test_no_prompts_at_weekends_or_on_bank_holidays(
    people, connector, sessions, settings, at
):
    result = await run(sessions, settings, "briefing-prompts", at)
    assert result.run.occurrences == 0
    assert connector.messages() == []


async def test_missed_prompt_caught_up_within_the_hour_only(people, connector, sessions, settings):
    late = await run(sessions, settings, "briefing-prompts", TUESDAY + timedelta(hours=1))
    assert (late.run.occurrences, connector.messages()) == (0, [])
    await run(sessions, settings, "briefing-prompts", TUESDAY + timedelta(minutes=59))
    assert prompted(connector, people) == MEMBERS


async def test_sergeants_and_inspectors_are_never_prompted(
    sample_roster, teams_user, connector, sessions, settings
):
    users = officers_of(sample_roster, teams_user, connector)
    for collar in ("S101", "S102", "I501", "A001", "P301"):
        await users[collar].install()
    connector.clear()
    await run(sessions, settings, "briefing-prompts", TUESDAY)
    assert {c for c, u in users.items() if prompts(connector, u)} == {"P301"}


async def test_one_nudge_only_to_prompted_members_who_have_not_answered(
    people, connector, sessions, settings, clock
):
    await run(sessions, settings, "briefing-prompts", TUESDAY)
    clock.now = TUESDAY + timedelta(minutes=5)
    await people["P301"].say("in person")
    await people["P302"].say("sick")
    connector.clear()
    too_soon = await run(sessions, settings, "briefing-nudges", TUESDAY + timedelta(minutes=19))
    assert too_soon.run.occurrences == 0
    await run(sessions, settings, "briefing-nudges", TUESDAY + timedelta(minutes=20))
    nudged = {c for c, u in people.items() if connector.to(u.conversation_id)}
    assert nudged == MEMBERS - {"P301", "P302"}
    nudge = connector.to(people["P303"].conversation_id)[0]
    assert nudge.text.startswith("Reminder: you have not answered today's briefing")
    assert button(nudge.card, "Remote")["verb"] == "briefing.attend"
    await run(sessions, settings, "briefing-nudges", TUESDAY + timedelta(minutes=50))
    assert len(connector.messages()) == len(nudged)


async def test_no_nudge_for_those_never_prompted(people, connector, sessions, settings):
    result = await run(sessions, settings, "briefing-nudges", TUESDAY + timedelta(minutes=20))
    assert (result.run.occurrences, result.run.recorded) == (2, 0)


async def test_action_submit_answer_recorded_and_card_updated_in_place(
    people, connector, sessions, settings, clock
):
    await run(sessions, settings, "briefing-prompts", TUESDAY)
    prompt = prompts(connector, people["P301"])[0]
    clock.now = TUESDAY + timedelta(minutes=3)
    data = button(prompt.card, "In person") | {"reason": "", "note": ""}
    result = await people["P301"].submit(data, reply_to=prompt.activity_id)
    assert result.status == 200
    update = result.replies[-1]
    assert (update.method, update.activity_id) == ("PUT", prompt.activity_id)
    seen = seen_on(update)
    assert "Recorded" in seen and "Your answer: In person" in seen
    assert "Recorded at: 08:03" in seen
    assert "You can change it until the 08:30 review" in seen
    assert [s.method for s in result.replies] == ["PUT"]
    [answer] = await answers(sessions, "P301")
    assert (answer.attendance, answer.late, answer.source) == ("in_person", False, "card")
    assert answer.answered_at == TUESDAY + timedelta(minutes=3)


async def test_action_execute_invoke_answered_with_the_updated_card(
    people, connector, sessions, settings, clock
):
    clock.now = TUESDAY + timedelta(minutes=10)
    data = {"day": "2026-12-01", "attendance": "not_attending", "reason": "sick", "note": "flu"}
    result = await people["P302"].execute("briefing.attend", data)
    assert result.status == 200
    assert result.body["type"] == "application/vnd.microsoft.card.adaptive"
    seen = "\n".join(card_texts(result.body["value"]))
    assert "Your answer: Sick" in seen and "Note: flu" in seen
    [answer] = await answers(sessions, "P302")
    assert (answer.attendance, answer.note) == ("sick", "flu")


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("in person", "in_person"),
        ("Remote", "remote"),
        ("rest day", "rest_day"),
        ("annual leave", "annual_leave"),
        ("sick", "sick"),
        ("training", "training"),
        ("other duty", "other_duty"),
        ("court", "court"),
        ("briefing remote", "remote"),
        ("in_person", "in_person"),
    ],
)
async def test_typed_answers_are_recorded(people, sessions, typed, stored):
    result = await people["P303"].say(typed)
    assert "Recorded" in result.all_text()
    [answer] = await answers(sessions, "P303")
    assert (answer.attendance, answer.source) == (stored, "text")


async def test_briefing_shows_the_card_without_a_prompt(people, settings, sessions):
    result = await people["P304"].say("briefing")
    [card] = result.cards
    assert "Briefing: Maidstone CSU North" in card_texts(card)
    assert await answers(sessions, "P304") == []


async def test_changes_are_kept_and_the_latest_counts(people, sessions, clock):
    for minutes, typed in ((1, "in person"), (4, "remote"), (9, "sick")):
        clock.now = TUESDAY + timedelta(minutes=minutes)
        await people["P301"].say(typed)
    kept = await answers(sessions, "P301")
    assert [a.attendance for a in kept] == ["in_person", "remote", "sick"]
    shown = (await people["P301"].say("briefing")).all_text()
    assert "Your answer: Sick" in shown and "Recorded at: 08:09" in shown


async def test_answer_after_review_time_is_marked_late(people, sessions, clock):
    clock.now = TUESDAY + timedelta(minutes=29)
    await people["P301"].say("remote")
    clock.now = TUESDAY + timedelta(minutes=30)
    result = await people["P301"].execute(
        "briefing.attend", {"day": "2026-12-01", "attendance": "in_person"}
    )
    assert "Recorded late (after the 08:30 review)" in result.all_text()
    assert [(a.attendance, a.late) for a in await answers(sessions, "P301")] == [
        ("remote", False),
        ("in_person", True),
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"attendance": "holiday"}, "'holiday' is not a briefing answer"),
        ({"attendance": "not_attending", "reason": ""}, "Choose a reason for not attending"),
        ({"attendance": "remote", "note": "x" * 501}, "limited to 500 characters"),
        ({"attendance": "remote", "day": "2026-11-30"}, "answers for that day have closed"),
        ({"attendance": "remote", "day": "2026-12-02"}, "has not started yet"),
        ({"attendance": "remote", "day": "1 Dec"}, "damaged"),
    ],
)
async def test_bad_card_answers_are_refused_and_nothing_saved(people, sessions, data, message):
    result = await people["P301"].execute("briefing.attend", {"day": "2026-12-01"} | data)
    assert message in result.all_text()
    assert await answers(sessions, "P301") == []


async def test_bad_typed_answers_are_refused_with_what_is_accepted(people, sessions, clock):
    result = await people["P301"].say("briefing on holiday")
    assert "Type one of: in person, remote, rest day" in result.all_text()
    result = await people["P301"].say("remote from home")
    assert "type just one of: in person, remote" in result.all_text()
    clock.now = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)
    result = await people["P301"].say("in person")
    assert "There is no Maidstone CSU North briefing today (Sat 5 Dec 2026)" in result.all_text()
    assert await answers(sessions, "P301") == []


async def test_only_members_answer_the_briefing(sample_roster, teams_user, connector):
    sergeant = officers_of(sample_roster, teams_user, connector)["S101"]
    result = await sergeant.say("in person")
    assert "only for PCSOs, team leaders" in result.all_text()


async def test_same_submit_delivered_twice_is_stored_once(people, sessions):
    user = people["P312"]
    activity = user.activity(value={"verb": "briefing.attend", "attendance": "remote"})
    first = await user.post(activity)
    again = await user.post(activity)
    assert first.status == again.status == 200
    assert again.replies == []
    assert len(await answers(sessions, "P312")) == 1


async def test_away_members_get_no_prompt(people, connector, sessions, settings, clock):
    clock.now = TUESDAY - timedelta(days=1)
    await people["P301"].say("away 2026-12-01 to 2026-12-14 annual leave")
    await people["P302"].say("away tomorrow sick")
    connector.clear()
    await run(sessions, settings, "briefing-prompts", TUESDAY)
    assert prompted(connector, people) == MEMBERS - {"P301", "P302"}
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Delivery)) == 6


async def test_my_week_shows_only_my_own_answers(people, clock):
    clock.now = TUESDAY - timedelta(days=1, minutes=-2)
    await people["P301"].say("remote")
    clock.now = TUESDAY + timedelta(minutes=2)
    await people["P301"].say("in person")
    await people["P302"].execute(
        "briefing.attend", {"day": "2026-12-01", "attendance": "court", "note": "Crown court"}
    )
    seen = (await people["P301"].say("my week")).all_text()
    assert "Your last seven days" in seen
    assert "Tue 1 Dec 2026: briefing in person (08:02)" in seen
    assert "Mon 30 Nov 2026: briefing remote (08:02)" in seen
    assert "Wed 25 Nov 2026: nothing recorded" in seen
    assert "court" not in seen.lower() and "Jordan" not in seen
