"""Issue 12: cards officers like, checked on every card the bot sends, through the endpoint.

Correct cards (numbers as numbers, every required input says what is wrong, no Markdown
list accidents, a toggle's label said once, wide cards full width), notifications that say
something (a `summary` on every card sent unasked), Teams-native buttons (`Action.Execute`
with an `Action.Submit` fallback carrying the same data), and a refresh that shows a
reopened card as it now stands and records nothing.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import func, select, update

from dialogs import build_router
from dialogs.briefing.models import AttendanceAnswer
from dialogs.bwv.models import BwvAnswer
from dialogs.review.models import ReviewRead
from storage.models import AuditEntry, Team
from tests.rig.officer_day import Clock, deliver, run
from tests.rig.supervision import joined_long_ago
from tests.rig.teams import action, actions, card_texts, inputs, nodes

TUESDAY = date(2026, 12, 1)
CSU = "Maidstone CSU North"
LIST_START = re.compile(r"^\s*(\d+[.)]|[-+*])(\s|$)", re.MULTILINE)
JOBS = (
    "briefing-prompts",
    "briefing-nudges",
    "bwv-reminders",
    "pcso-returns",
    "tasking-reminders",
    "morning-review",
    "one-to-one-reminders",
)


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 12, 1, 7, 0, tzinfo=UTC))


async def due_at(sessions, name: str, day: date) -> datetime:  # type: ignore[no-untyped-def]
    """When the job is due on the day for the teams (all on the default times here)."""
    async with sessions() as session:
        team = await session.scalar(select(Team).where(Team.name == CSU))
    at = build_router().jobs[name].due(team, day)
    assert at is not None, name
    return datetime.combine(day, at, tzinfo=UTC)  # GMT in December


async def a_day_of_cards(people, sessions, settings, clock) -> list[Any]:  # type: ignore[no-untyped-def]
    """Every job's cards for a Tuesday (and the Monday roll-up), a tasking sent to PCSOs,
    and a BWV "Need help": what the connector was sent unasked."""
    await joined_long_ago(sessions)
    async with sessions() as session, session.begin():
        await session.execute(update(Team).values(pcso_returns=True))
    await run(sessions, settings, "inspector-rollup", datetime(2026, 11, 30, 8, 30, tzinfo=UTC))
    clock.now = datetime(2026, 12, 1, 7, 30, tzinfo=UTC)
    await people["TL201"].say("task Patrol town centre | OSARA-22 | P301, P302")
    await people["P302"].say("need help")
    await deliver(sessions, settings, clock)
    for name in JOBS:
        await run(sessions, settings, name, await due_at(sessions, name, TUESDAY))
    return [s for s in people["P301"].connector.sent if s.reply_to is None and s.method == "POST"]


def every_card(sent: list[Any]) -> list[dict[str, Any]]:
    return [s.card for s in sent if s.card is not None]


def title(card: dict[str, Any]) -> str:
    return str(card["body"][0]["text"])


async def test_every_card_sent_unasked_says_something_in_the_notification(
    people, connector, sessions, settings, clock
):
    sent = await a_day_of_cards(people, sessions, settings, clock)
    kinds = {title(s.card).split(":")[0] for s in sent if s.card}
    assert kinds >= {
        "Briefing",
        "Body-worn video",
        "Your daily return",
        "Returns",
        "Morning review",
        "One-to-ones due this month",
        "Weekly roll-up",
        "Your tasks for Tue 1 Dec 2026",
    }
    for message in sent:
        if message.card is None:
            assert message.text, message.activity  # a text message is its own notification
            continue
        summary = message.activity.get("summary")
        assert summary, title(message.card)
        assert len(summary) <= 80, summary
    prompt = next(s for s in sent if s.card and title(s.card).startswith("Briefing:"))
    assert prompt.activity["summary"] == "Briefing 08:00 – tap to answer"
    review = next(s for s in sent if s.card and title(s.card).startswith(f"Morning review: {CSU}"))
    assert re.fullmatch(
        rf"Morning review {CSU}: \d+ need your attention", review.activity["summary"]
    )
    tasks = next(s for s in sent if s.card and title(s.card).startswith("Your tasks"))
    assert tasks.activity["summary"] == "1 new task for Tue 1 Dec 2026"


async def test_every_button_is_universal_with_a_submit_fallback_carrying_the_same_data(
    people, connector, sessions, settings, clock
):
    cards = every_card(await a_day_of_cards(people, sessions, settings, clock))
    executes = 0
    for card in cards:
        for found in actions(card):
            assert found["type"] != "Action.Submit", (title(card), found)
            if found["type"] != "Action.Execute":
                continue
            executes += 1
            assert found["verb"] == found["data"]["verb"]
            assert found["fallback"] == {
                "type": "Action.Submit",
                "title": found["title"],
                "data": found["data"],
                **({"style": found["style"]} if "style" in found else {}),
            }
    assert executes > len(cards)


async def test_every_card_is_correct(people, connector, sessions, settings, clock):
    """Schema 1.5; numbers are numbers; required inputs say what is wrong; a toggle's
    label is not said twice; no line reads as a Markdown list; tables are full width."""
    cards = every_card(await a_day_of_cards(people, sessions, settings, clock))
    asked = {
        "TL201": ("tasking", "returns", "briefing", "bwv"),
        "S101": ("one-to-one P301", "review csu north"),
        "P301": ("my return", "vulnerability", "my week"),
        "I501": ("rollup",),
    }
    for collar, commands in asked.items():
        for command in commands:
            cards.extend((await people[collar].say(command)).cards)
    numbers = 0
    for card in cards:
        assert (card["type"], card["version"]) == ("AdaptiveCard", "1.5")
        for field in inputs(card).values():
            if field.get("isRequired"):
                assert field.get("errorMessage"), (title(card), field["id"])
            if field["type"] == "Input.Number":
                numbers += 1
                assert isinstance(field["value"], int), (title(card), field["id"])
            if field["type"] == "Input.Toggle":
                assert "label" not in field and field["title"]
        for text in _texts_as_sent(card):
            assert not LIST_START.search(text), (title(card), text)
        if '"Table"' in repr(card).replace("'", '"'):
            assert card["msteams"] == {"width": "Full"}, title(card)
    assert numbers >= 10  # the PCSO return's and the team returns' counts


def _texts_as_sent(card: dict[str, Any]) -> list[str]:
    """Every TextBlock text and fact as the card carries it (escapes included)."""
    found: list[str] = []
    for node in nodes(card):
        if node.get("type") == "TextBlock":
            found.append(node["text"])
        if node.get("type") == "FactSet":
            found.extend(f"{f['title']}\n{f['value']}" for f in node["facts"])
    return found


async def test_a_reopened_card_refreshes_to_the_current_answer_and_records_nothing(
    people, connector, sessions, settings, clock
):
    pcso = people["P301"]
    await run(sessions, settings, "briefing-prompts", datetime(2026, 12, 1, 8, 0, tzinfo=UTC))
    [prompt] = [s for s in connector.to(pcso.conversation_id) if s.card]
    assert prompt.card is not None
    refresh = prompt.card["refresh"]
    assert refresh["userIds"] == [pcso.user_id]
    assert refresh["action"]["verb"] == "briefing.show"
    clock.now = datetime(2026, 12, 1, 8, 5, tzinfo=UTC)
    await pcso.say("remote")
    async with sessions() as session:
        audited = await session.scalar(select(func.count()).select_from(AuditEntry))
    for _ in range(2):  # as Teams asks each time the card is shown again
        shown = await pcso.execute(refresh["action"]["verb"], refresh["action"]["data"])
        assert shown.body["type"] == "application/vnd.microsoft.card.adaptive"
        card = shown.body["value"]
        assert "Your answer: Remote" in card_texts(card)
        assert card["refresh"]["userIds"] == [pcso.user_id]
    submitted = await pcso.submit(dict(refresh["action"]["data"]))  # an older client's submit
    assert "Your answer: Remote" in submitted.all_text()
    async with sessions() as session:
        answers = await session.scalar(select(func.count()).select_from(AttendanceAnswer))
        assert answers == 1
        assert await session.scalar(select(func.count()).select_from(AuditEntry)) == audited
    bwv = await pcso.execute("bwv.show", {"day": TUESDAY.isoformat()})
    assert "Body-worn video: categorise your footage" in card_texts(bwv.body["value"])
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(BwvAnswer)) == 0


async def test_a_reopened_review_shows_who_has_read_it_and_records_nothing(
    people, connector, sessions, settings, clock
):
    await run(sessions, settings, "morning-review", datetime(2026, 12, 1, 8, 30, tzinfo=UTC))
    [sent] = [s for s in connector.to(people["S102"].conversation_id) if s.card]
    assert sent.card is not None
    refresh = sent.card["refresh"]
    assert refresh["userIds"] == [people["S102"].user_id]
    clock.now = datetime(2026, 12, 1, 8, 40, tzinfo=UTC)
    await people["S101"].say("reviewed Maidstone PSTF")
    async with sessions() as session:
        audited = await session.scalar(select(func.count()).select_from(AuditEntry))
        reads = await session.scalar(select(func.count()).select_from(ReviewRead))
    shown = await people["S102"].execute(refresh["action"]["verb"], refresh["action"]["data"])
    assert "Reviewed by Chris Walker at 08:40." in card_texts(shown.body["value"])
    assert "Reviewed" in [a["title"] for a in actions(shown.body["value"])]  # not by S102 yet
    refused = await people["P311"].execute(refresh["action"]["verb"], refresh["action"]["data"])
    assert "only for admins, inspectors, sergeants" in refused.all_text()
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(AuditEntry)) == audited
        assert await session.scalar(select(func.count()).select_from(ReviewRead)) == reads


async def test_briefing_buttons_fit_a_phone_and_not_attending_opens_its_own_form(
    people, connector, sessions, settings, clock
):
    await run(sessions, settings, "briefing-prompts", datetime(2026, 12, 1, 8, 0, tzinfo=UTC))
    [prompt] = [s for s in connector.to(people["P301"].conversation_id) if s.card]
    card = prompt.card
    assert card is not None
    assert [a["title"] for a in card["actions"]] == ["In person", "Remote", "Not attending"]
    form = action(card, "Not attending")
    assert form["type"] == "Action.ShowCard"
    reason = inputs(form["card"])["attendance"]
    assert (reason["isRequired"], reason["errorMessage"]) == (
        True,
        "Choose why you are not attending.",
    )
    assert "note" in inputs(form["card"])
    send = action(form["card"], "Send")
    assert send["data"] == {"verb": "briefing.attend", "day": "2026-12-01"}
    clock.now = datetime(2026, 12, 1, 8, 2, tzinfo=UTC)
    result = await people["P301"].execute(send["verb"], {**send["data"], "attendance": "sick"})
    assert "Your answer: Sick" in card_texts(result.body["value"])
    bwv_card = (await people["P302"].execute("bwv.show", {"day": "2026-12-01"})).body["value"]
    titles = [a["title"] for a in actions(bwv_card)]
    assert titles == ["Categorised", "No footage", "Need help", "Yes", "No"]
    assert all(len(t) <= 11 for t in titles)


async def test_one_to_one_reminder_lists_overdue_first_each_with_a_record_button(
    people, connector, sessions, settings, clock
):
    await joined_long_ago(sessions)
    await people["S101"].submit(
        {
            "verb": "one_to_one.record",
            "collar": "P301",
            "held_on": "2026-11-20",
            "pnb_checked": "true",
        }
    )
    connector.clear()
    await run(sessions, settings, "one-to-one-reminders", datetime(2026, 12, 1, 8, 30, tzinfo=UTC))
    [csu] = [
        s.card
        for s in connector.to(people["S101"].conversation_id)
        if s.card and title(s.card) == f"One-to-ones due this month: {CSU}"
    ]
    seen = card_texts(csu)
    assert seen[2] == "Overdue"
    overdue = seen[seen.index("Overdue") : seen.index("Not yet due")]
    assert not any(line.startswith("Alex Carter") for line in overdue)
    assert any(line.startswith("Alex Carter (P301)") for line in seen[seen.index("Not yet due") :])
    records = [a for a in actions(csu) if a["title"] == "Record"]
    assert len(records) == 5
    first = records[0]
    assert first["verb"] == "one_to_one.open" and first["data"]["collar"] != "P301"
    opened = await people["S101"].execute(first["verb"], first["data"])
    [form] = opened.cards
    assert title(form).startswith("One-to-one: ")
    assert list(inputs(form)) == ["held_on", "osara_progress", "engagement_notes", "pnb_checked"]


async def test_supervision_is_said_once_per_sergeant_across_their_teams(
    people, connector, sessions, settings, clock
):
    await joined_long_ago(sessions)
    async with sessions() as session, session.begin():
        await session.execute(update(Team).where(Team.name == CSU).values(supervision_ratio=6))
    await run(sessions, settings, "morning-review", datetime(2026, 12, 1, 8, 30, tzinfo=UTC))
    reviews = [
        card_texts(s.card)
        for s in connector.to(people["S101"].conversation_id)
        if s.card and title(s.card).startswith("Morning review")
    ]
    assert len(reviews) == 2
    said = [line for card in reviews for line in card if line.startswith("Supervision: Chris")]
    assert said == [
        "Supervision: Chris Walker (S101) oversees 8 PCSOs (5 in Maidstone CSU North, "
        "3 in Maidstone PSTF), more than the ratio of 6."
    ]


async def test_morning_review_opens_with_a_tally_and_keeps_details_folded(
    people, connector, sessions, settings, clock
):
    await joined_long_ago(sessions)
    card = (await people["S101"].say(f"review {CSU} {TUESDAY.isoformat()}")).cards[0]
    body = card["body"]
    assert body[1]["text"].endswith(
        "need your attention · briefing 0 of 5 answered · returns not in · BWV 0 of 5 answered"
    )
    kinds = [item["type"] for item in body]
    reviewed = kinds.index("ActionSet")
    assert body[reviewed]["actions"][0]["title"] == "Reviewed"
    assert body[reviewed + 1]["actions"][0]["type"] == "Action.ToggleVisibility"
    assert body[reviewed + 2]["isVisible"] is False
    assert body[-1] is body[reviewed + 2]
    assert card["msteams"] == {"width": "Full"}


async def test_a_team_leaders_three_task_day_takes_few_taps(
    people, connector, sessions, settings, clock
):
    """Tasking: each row's PCSOs are one choice (open the list, tick); returns: one tap per
    outcome (three choices show as radio buttons); one button each to send."""
    leader = people["TL201"]
    tasking = (await leader.say("tasking")).cards[0]
    pick = inputs(tasking)["assignees_1"]
    assert pick["style"] == "compact" and pick["isMultiSelect"] is True
    rows = [f"description_{n}" for n in (1, 2, 3)]
    assert all(row in [i.get("id") for i in tasking["body"]] for row in rows)
    clock.now = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    posted = await leader.execute(
        "tasking.submit",
        {
            "team": CSU,
            "day": TUESDAY.isoformat(),
            "description_1": "Patrol town centre",
            "assignees_1": "P301,P302",
            "description_2": "Visit shops",
            "assignees_2": "P303",
            "description_3": "Leaflet drop",
            "assignees_3": "P304",
        },
    )
    assert "Sent to Alex Carter, Jordan Patel, Morgan Hughes, Riley Evans." in posted.all_text()
    returns = (await leader.say("returns")).cards[0]
    for n in (1, 2, 3):
        outcome = inputs(returns)[f"outcome_{n}"]
        assert outcome["style"] == "expanded" and len(outcome["choices"]) == 3
    assert [inputs(returns)[f"outcome_{n}"]["label"][:6] for n in (1, 2, 3)] == [
        "Task 1",
        "Task 2",
        "Task 3",
    ]
    counts = [i for i in inputs(returns).values() if i["type"] == "Input.Number"]
    assert [c["value"] for c in counts] == [0, 0, 0, 0, 0]  # pre-filled
