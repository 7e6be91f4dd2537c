"""A re-submission of the same content is recognised, never stored twice, and answered in
words; a changed tasking replaces the day's tasking and sends nobody the same task twice.

Every re-submission here is a new activity (a second tap, or the same answer typed), so the
inbound activity-id check does not catch it: the workflows do. End to end through the real
HTTP endpoint, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest
from sqlalchemy import func, select, update

from dialogs.away.models import AwayPeriod
from dialogs.briefing.models import AttendanceAnswer
from dialogs.bwv.models import BwvAnswer
from dialogs.one_to_one.models import OneToOne
from dialogs.pcso_returns.models import PcsoReturn
from dialogs.returns.models import TaskOutcome, TeamReturn
from dialogs.review.models import ReviewRead
from dialogs.tasking.models import Task, TaskAssignee, Tasking
from storage.models import AuditEntry, Delivery, Team
from tests.rig.connector import FakeConnector
from tests.rig.officer_day import Clock, deliver, run
from tests.rig.slack import FakeSlack, SlackUser
from tests.rig.teams import Result, TeamsUser, card_texts

MORNING = datetime(2026, 12, 1, 8, 3, tzinfo=UTC)  # 08:03 GMT, Tuesday 1 December 2026
TASKING_TIME = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
RETURNS_TIME = datetime(2026, 12, 1, 16, 5, tzinfo=UTC)
CSU, PSTF = "Maidstone CSU North", "Maidstone PSTF"
TODAY = "2026-12-01"
ALREADY = "Already recorded at {}: nothing new saved."


@pytest.fixture
def clock() -> Clock:
    return Clock(MORNING)


async def count(sessions, model: type, *where: Any) -> int:  # type: ignore[no-untyped-def]
    async with sessions() as session:
        query = select(func.count()).select_from(model)
        return int(await session.scalar(query.where(*where) if where else query) or 0)


def seen(result: Result) -> str:
    return result.all_text()


def cards_to(connector: FakeConnector, user: TeamsUser) -> list[str]:
    return ["\n".join(card_texts(s.card)) for s in connector.to(user.conversation_id) if s.card]


TASK_LINE = re.compile(r"^Task \d+: (.+?) — ", re.MULTILINE)


def tasks_sent(connector: FakeConnector, user: TeamsUser) -> list[str]:
    """Every task (its description and reference) sent to the user as theirs, in order."""
    return [m for card in cards_to(connector, user) for m in TASK_LINE.findall(card)]


# --- answers kept per officer and day: the latest counts ---------------------------------


async def test_the_same_briefing_answer_again_is_not_stored_and_is_said_so(
    people, connector, sessions, settings, clock
):
    await run(sessions, settings, "briefing-prompts", MORNING - timedelta(minutes=3))
    prompt = connector.to(people["P301"].conversation_id)[0]
    data = {"verb": "briefing.attend", "day": TODAY, "attendance": "in_person", "note": ""}
    await people["P301"].submit(data, reply_to=prompt.activity_id)
    clock.now = MORNING + timedelta(minutes=40)  # after the 08:30 review: would be "late"
    again = await people["P301"].submit(data, reply_to=prompt.activity_id)
    [update_] = again.replies
    assert (update_.method, update_.activity_id) == ("PUT", prompt.activity_id)  # in place
    shown = "\n".join(card_texts(update_.card or {}))
    assert ALREADY.format("08:03") in shown
    assert "Your answer: In person" in shown and "Recorded at: 08:03" in shown
    assert "Recorded late" not in shown  # the answer given on time stays on time
    invoked = await people["P301"].execute("briefing.attend", data)
    assert invoked.body["type"] == "application/vnd.microsoft.card.adaptive"
    assert ALREADY.format("08:03") in seen(invoked)
    typed = await people["P301"].say("in person")
    assert ALREADY.format("08:03") in seen(typed)
    assert await count(sessions, AttendanceAnswer) == 1

    # A different answer is a change, kept; so is a note, and a change back.
    await people["P301"].execute("briefing.attend", {**data, "note": "Bus late"})
    await people["P301"].say("remote")
    back = await people["P301"].say("in person")
    assert "Already recorded" not in seen(back)
    async with sessions() as session:
        kept = (await session.scalars(select(AttendanceAnswer).order_by(AttendanceAnswer.id))).all()
    assert [(a.attendance, a.note) for a in kept] == [
        ("in_person", None),
        ("in_person", "Bus late"),
        ("remote", None),
        ("in_person", None),
    ]


async def test_two_identical_taps_at_once_store_one_answer(people, sessions):
    data = {"day": TODAY, "attendance": "remote"}
    first, second = await asyncio.gather(
        people["P302"].execute("briefing.attend", data),
        people["P302"].execute("briefing.attend", data),
    )
    assert first.status == second.status == 200
    assert await count(sessions, AttendanceAnswer) == 1
    said = [seen(first), seen(second)]
    assert sum("Already recorded at 08:03" in s for s in said) == 1
    assert all("Your answer: Remote" in s for s in said)


async def test_the_same_bwv_answer_again_is_not_stored(
    people, connector, sessions, settings, clock
):
    bwv_time = datetime(2026, 12, 1, 15, 30, tzinfo=UTC)
    await run(sessions, settings, "bwv-reminders", bwv_time)
    reminder = connector.to(people["P301"].conversation_id)[0]
    clock.now = bwv_time + timedelta(minutes=10)
    data = {"verb": "bwv.confirm", "day": TODAY, "bwv_status": "categorised"}
    await people["P301"].submit(data, reply_to=reminder.activity_id)
    clock.now += timedelta(minutes=5)
    again = await people["P301"].submit(data, reply_to=reminder.activity_id)
    [update_] = again.replies
    assert update_.method == "PUT"
    shown = "\n".join(card_texts(update_.card or {}))
    assert ALREADY.format("15:40") in shown and "Your answer: Categorised" in shown
    assert ALREADY.format("15:40") in seen(await people["P301"].say("categorised"))
    assert await count(sessions, BwvAnswer) == 1
    changed = await people["P301"].execute("bwv.confirm", {**data, "bwv_status": "no_footage"})
    assert "Already recorded" not in seen(changed)
    assert await count(sessions, BwvAnswer) == 2


async def test_the_same_pcso_return_again_is_not_stored_a_changed_one_corrects(
    people, sessions, clock
):
    async with sessions() as session, session.begin():
        await session.execute(update(Team).where(Team.name == PSTF).values(pcso_returns=True))
    clock.now = RETURNS_TIME
    counts = {
        "cads_attended": "3",
        "themis_updated": "1",
        "intel_submitted": "0",
        "engagements": "12",
        "vulnerable_engagements": "2",
    }
    card = {"day": TODAY, **counts}
    await people["P311"].execute("pcso_return.submit", card)
    clock.now += timedelta(minutes=2)
    again = await people["P311"].execute("pcso_return.submit", card)
    assert ALREADY.format("16:05") in seen(again) and "Community engagements: 12" in seen(again)
    typed = await people["P311"].say("my return 3 1 0 12 2")
    assert ALREADY.format("16:05") in seen(typed)
    assert await count(sessions, PcsoReturn) == 1
    corrected = await people["P311"].say("my return 4 1 0 12 2")
    assert "Already recorded" not in seen(corrected) and "Recorded at 16:07" in seen(corrected)
    async with sessions() as session:
        rows = (await session.scalars(select(PcsoReturn).order_by(PcsoReturn.id))).all()
    assert [r.cads_attended for r in rows] == [3, 4]  # the correction kept; the latest counts


# --- team returns, one-to-ones, away, the review -----------------------------------------


def posting(**tasks: str) -> dict[str, Any]:
    return {"verb": "tasking.submit", "team": CSU, "day": TODAY, **tasks}


TWO_TASKS = {
    "description_1": "Patrol town centre",
    "reference_1": "OSARA-22",
    "assignees_1": "P301, P302",
    "description_2": "Visit shops on the High Street",
    "reference_2": "",
    "assignees_2": "P303",
}
RETURNS = {
    "verb": "returns.submit",
    "team": CSU,
    "day": TODAY,
    "outcome_1": "done",
    "note_1": "All quiet",
    "outcome_2": "part_done",
    "cads_attended": "3",
    "themis_updated": "2",
    "intel_submitted": "1",
    "engagements": "12",
    "vulnerable_engagements": "2",
    "notes": "Market day",
}


async def test_the_same_team_returns_again_are_not_stored(people, sessions, clock):
    leader = people["TL201"]
    clock.now = TASKING_TIME
    await leader.submit(posting(**TWO_TASKS))
    clock.now = RETURNS_TIME
    await leader.execute("returns.submit", RETURNS)
    clock.now += timedelta(minutes=1)
    again = await leader.execute("returns.submit", RETURNS)
    assert again.body["type"] == "application/vnd.microsoft.card.adaptive"
    assert ALREADY.format("16:05") in seen(again)
    assert "Returns recorded: Maidstone CSU North, Tue 1 Dec 2026" in seen(again)
    assert await count(sessions, TeamReturn) == 1 and await count(sessions, TaskOutcome) == 2
    corrected = await leader.submit({**RETURNS, "outcome_2": "done"})
    assert "Already recorded" not in seen(corrected)
    assert await count(sessions, TeamReturn) == 2  # a correction, kept as before


async def test_the_same_one_to_one_again_is_not_stored(people, sessions, clock):
    clock.now = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
    sergeant = people["S101"]
    record = {
        "verb": "one_to_one.record",
        "collar": "P303",
        "held_on": "2026-11-30",
        "osara_progress": "OSARA-22 on track",
        "engagement_notes": "PACT meeting held",
        "pnb_checked": "true",
    }
    await sergeant.submit(record)
    clock.now += timedelta(minutes=5)
    again = await sergeant.submit(record)
    assert "One-to-one recorded: Morgan Hughes (P303)" in seen(again)
    assert ALREADY.format("10:00") in seen(again)
    typed = "one-to-one P304 | OSARA-31 reviewed | Residents' meeting | pnb no"
    await sergeant.say(typed)
    assert ALREADY.format("10:05") in seen(await sergeant.say(typed))
    assert await count(sessions, OneToOne) == 2
    other = await sergeant.submit({**record, "engagement_notes": "Two surgeries held"})
    assert "Already recorded" not in seen(other)
    assert await count(sessions, OneToOne) == 3  # a different record is kept, as before


async def test_the_same_away_period_again_is_not_booked_twice(people, sessions, clock):
    pcso = people["P303"]
    booking = "away 2026-12-07 to 2026-12-11 annual leave"
    await pcso.say(booking)
    clock.now += timedelta(minutes=1)
    again = await pcso.say(booking)
    assert again.texts == [
        f"{ALREADY.format('08:03')} You are away Mon 7 Dec 2026 to Fri 11 Dec 2026 "
        "(annual leave). Type back if you return early."
    ]
    assert await count(sessions, AwayPeriod) == 1
    # A later booking over the same days wins for them; booking the first again is a change.
    await pcso.say("away 2026-12-09 to 2026-12-09 training")
    assert "Recorded: away" in seen(await pcso.say(booking))
    assert await count(sessions, AwayPeriod) == 3
    clock.now = datetime(2026, 12, 8, 7, 0, tzinfo=UTC)
    assert "Welcome back" in seen(await pcso.say("back"))
    assert "not marked away today" in seen(await pcso.say("back"))


async def test_reviewed_twice_is_one_read_and_one_audit_entry(people, sessions, clock):
    clock.now = datetime(2026, 12, 1, 8, 50, tzinfo=UTC)
    ack = {"team": CSU, "date": TODAY}
    await people["S101"].execute("review.ack", ack)
    clock.now += timedelta(minutes=3)
    again = await people["S101"].execute("review.ack", ack)
    shown = seen(again)
    assert "Reviewed by Chris Walker at 08:50." in shown and ALREADY.format("08:50") in shown
    assert await count(sessions, ReviewRead) == 1
    assert await count(sessions, AuditEntry, AuditEntry.action == "review.ack") == 1


# --- tasking: team and day ---------------------------------------------------------------


async def test_the_same_tasking_again_stores_and_sends_nothing_new(
    people, connector, sessions, settings, clock
):
    leader = people["TL201"]
    clock.now = TASKING_TIME
    first = await leader.submit(posting(**TWO_TASKS))
    assert "Sent to Alex Carter, Jordan Patel, Morgan Hughes." in seen(first)
    await deliver(sessions, settings, clock)
    clock.now += timedelta(minutes=2)
    again = await leader.submit(posting(**TWO_TASKS))  # the reply never arrived: tapped again
    shown = seen(again)
    assert "Tasking recorded: Maidstone CSU North, Tue 1 Dec 2026" in shown
    assert "Task 1: Patrol town centre [OSARA-22] — Alex Carter, Jordan Patel" in shown
    assert ALREADY.format("09:00") in shown and "Nobody was sent it again." in shown
    invoked = await leader.execute("tasking.submit", posting(**TWO_TASKS))
    assert ALREADY.format("09:00") in seen(invoked)
    # The card shown afterwards is the tasking as recorded; posting it unchanged is the same.
    card = (await leader.say("tasking")).cards[0]
    values = {i["id"]: i.get("value", "") for i in card["body"] if "id" in i}
    assert ALREADY.format("09:00") in seen(await leader.submit(posting(**values)))
    await leader.say("task Visit shops on the High Street | P303")  # typed again, too
    await deliver(sessions, settings, clock)
    assert (await count(sessions, Tasking), await count(sessions, Task)) == (1, 2)
    assert await count(sessions, Delivery) == 3
    for collar in ("P301", "P302", "P303"):
        assert len(connector.to(people[collar].conversation_id)) == 1


async def test_two_identical_postings_at_once_store_one_tasking(people, sessions, clock):
    clock.now = TASKING_TIME
    results = await asyncio.gather(*(people["TL201"].submit(posting(**TWO_TASKS)) for _ in "ab"))
    assert sum("Already recorded" in seen(r) for r in results) == 1
    assert (await count(sessions, Tasking), await count(sessions, Task)) == (1, 2)
    assert await count(sessions, Delivery) == 3


async def test_a_changed_tasking_replaces_the_day_and_sends_no_task_twice(
    people, connector, sessions, settings, clock
):
    leader = people["TL201"]
    clock.now = TASKING_TIME
    await leader.submit(posting(**TWO_TASKS))
    await deliver(sessions, settings, clock)
    clock.now = TASKING_TIME + timedelta(minutes=30)
    changed = {
        **TWO_TASKS,
        "assignees_1": "P301, P304",  # Riley joins the patrol, Jordan leaves it
        "description_3": "Leaflet drop",
        "assignees_3": "P302",  # Jordan's new task
    }
    result = await leader.execute("tasking.submit", posting(**changed))
    shown = seen(result)
    assert result.body["type"] == "application/vnd.microsoft.card.adaptive"  # card in place
    assert "Today's tasking replaced: Maidstone CSU North, Tue 1 Dec 2026" in shown
    assert "Today's tasking replaced the one recorded at 09:00." in shown
    assert "Task 1: Patrol town centre [OSARA-22] — Alex Carter, Riley Evans" in shown
    assert "Task 3: Leaflet drop — Jordan Patel" in shown
    assert "Sent the changes to Riley Evans, Jordan Patel." in shown
    await deliver(sessions, settings, clock)

    patrol, shops, leaflets = (
        "Patrol town centre [OSARA-22]",
        "Visit shops on the High Street",
        "Leaflet drop",
    )
    assert tasks_sent(connector, people["P301"]) == [patrol]  # unchanged: nothing more
    assert tasks_sent(connector, people["P303"]) == [shops]
    assert tasks_sent(connector, people["P304"]) == [patrol]  # newly assigned: told
    assert tasks_sent(connector, people["P302"]) == [patrol, leaflets]
    jordan = cards_to(connector, people["P302"])[-1]
    assert "Your tasks for Tue 1 Dec 2026 have changed" in jordan
    assert f"No longer yours: {patrol}." in jordan
    assert "Set by Sam Okafor (TL201), Maidstone CSU North." in jordan

    async with sessions() as session:
        tasks = (await session.scalars(select(Task).order_by(Task.position))).all()
        assert [t.description for t in tasks] == [
            "Patrol town centre",
            "Visit shops on the High Street",
            "Leaflet drop",
        ]
        assert await session.scalar(select(func.count()).select_from(TaskAssignee)) == 4
        [entry] = (
            await session.scalars(select(AuditEntry).where(AuditEntry.action == "tasking.replace"))
        ).all()
        assert entry.actor == "TL201"
        assert [r["assignees"] for r in entry.detail["replaced"]] == ["P301 P302", "P303"]

    # The replacement sent again is the same tasking: nothing stored, nobody sent anything.
    again = await leader.execute("tasking.submit", posting(**changed))
    assert ALREADY.format("09:30") in seen(again)
    await deliver(sessions, settings, clock)
    assert await count(sessions, Task) == 3 and await count(sessions, Delivery) == 5
    assert tasks_sent(connector, people["P302"]) == [patrol, leaflets]


async def test_a_tasking_is_not_replaced_once_its_returns_are_recorded(
    people, connector, sessions, settings, clock
):
    leader = people["TL201"]
    clock.now = TASKING_TIME
    await leader.submit(posting(**TWO_TASKS))
    clock.now = RETURNS_TIME
    await leader.submit(RETURNS)
    refused = await leader.submit(posting(**{**TWO_TASKS, "assignees_2": "P304"}))
    assert (
        "Today's tasking for Maidstone CSU North can no longer be replaced: the returns for "
        "that day are already recorded against its tasks. Nothing saved. To add a task, type "
        "task DESCRIPTION | REFERENCE | COLLARS."
    ) in seen(refused)
    same = await leader.submit(posting(**TWO_TASKS))
    assert ALREADY.format("09:00") in seen(same)
    added = await leader.say("task Leaflet drop | P304")
    assert "Task 3: Leaflet drop — Riley Evans" in seen(added)
    async with sessions() as session:
        assigned = await session.scalars(
            select(TaskAssignee.officer_id).join(Task).where(Task.position == 2)
        )
        assert len(assigned.all()) == 1
    assert await count(sessions, Task) == 3 and await count(sessions, TaskOutcome) == 2


# --- Slack -------------------------------------------------------------------------------

SECRET, TOKEN = "test-secret", "xoxb-test"


@pytest.fixture
async def slack_api() -> AsyncIterator[FakeSlack]:
    fake = FakeSlack(token=TOKEN)
    await fake.start()
    yield fake
    await fake.stop()


async def test_slack_the_same_button_twice_records_once_and_says_so(
    sample_roster, slack_api, start_bot, http: aiohttp.ClientSession, sessions, clock
):
    url = await start_bot(
        slack_signing_secret=SECRET,
        slack_bot_token=TOKEN,
        slack_api_url=f"{slack_api.url}/api/",
    )
    pcso = SlackUser(http, url, SECRET, "U0P301", clock)
    await pcso.say("briefing")
    await slack_api.wait_for("chat.postMessage")
    [card] = slack_api.posted(pcso.channel_id)
    await pcso.press(card, "Remote")
    await slack_api.wait_for("chat.update")
    clock.now += timedelta(minutes=1)
    await pcso.press(slack_api.messages[card.ts], "Remote")
    await slack_api.wait_for("chat.update", 2)
    shown = slack_api.messages[card.ts].seen()
    assert "*Your answer*\nRemote" in shown and ALREADY.format("08:03") in shown
    assert len(slack_api.of("chat.postMessage")) == 1  # updated in place, never re-posted
    assert await count(sessions, AttendanceAnswer) == 1
