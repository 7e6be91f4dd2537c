"""The turn path when Teams is slow or failing, through the real endpoint: truthful replies
after a commit, no network inside a transaction, replies that do not queue."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from dialogs.briefing.models import AttendanceAnswer
from dialogs.tasking.models import Task
from storage.models import ConversationRef, Delivery, Officer
from tests.rig.connector import FakeConnector
from tests.rig.officer_day import Clock, deliver
from tests.rig.teams import TeamsUser

MORNING = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # Tuesday, GMT
CSU = "Maidstone CSU North"
LOST = "nothing was saved"
TASKING = {
    "verb": "tasking.submit",
    "team": CSU,
    "day": "2026-12-01",
    "description_1": "Patrol town centre",
    "reference_1": "OSARA-22",
    "assignees_1": "P301, P302",
    "description_2": "Visit shops on the High Street",
    "assignees_2": "P303",
}


@pytest.fixture
def clock() -> Clock:
    return Clock(MORNING)


async def count(sessions: Any, model: Any, *where: Any) -> int:
    async with sessions() as session:
        return await session.scalar(select(func.count()).select_from(model).where(*where)) or 0


async def until(condition: Any, within: float = 10.0) -> None:
    """Wait for the app's own outbox worker to have done something."""
    deadline = time.monotonic() + within
    while not await condition():
        assert time.monotonic() < deadline, "the outbox did not deliver in time"
        await asyncio.sleep(0.05)


async def test_a_reply_that_fails_after_the_commit_is_sent_by_the_outbox_not_denied(
    people, connector: FakeConnector, sessions
):
    alex = people["P301"]
    connector.fail(alex.conversation_id, 500)
    result = await alex.submit({"verb": "briefing.attend", "attendance": "in_person"})
    assert result.status == 200
    assert LOST not in result.all_text()
    assert await count(sessions, AttendanceAnswer) == 1
    assert await count(sessions, Delivery, Delivery.job == "reply") == 1

    async def arrived() -> bool:
        return any("In person" in s.text or s.card for s in connector.to(alex.conversation_id))

    await until(arrived)
    texts = "\n".join(str(s.activity) for s in connector.to(alex.conversation_id))
    assert "In person" in texts and LOST not in texts


async def test_a_team_leader_who_resubmits_after_a_lost_reply_stores_nothing_twice(
    people, connector: FakeConnector, sessions, settings, clock
):
    leader = people["TL201"]
    connector.fail(leader.conversation_id, 500)
    first = await leader.submit(TASKING)
    assert first.status == 200 and LOST not in first.all_text()
    again = await leader.submit(TASKING)  # the leader saw no answer, so sends it again
    assert again.status == 200 and LOST not in again.all_text()
    assert "already" in again.all_text().lower()
    assert await count(sessions, Task) == 2
    await deliver(sessions, settings, clock)
    for collar in ("P301", "P302", "P303"):
        tasks = [s for s in connector.to(people[collar].conversation_id) if s.card]
        assert len(tasks) == 1, collar


async def test_a_redelivered_activity_is_neither_stored_twice_nor_denied(
    people, connector: FakeConnector, sessions
):
    alex = people["P301"]
    activity = alex.activity(value={"verb": "briefing.attend", "attendance": "remote"})
    await alex.post(activity)
    redelivered = await alex.post(activity)  # Teams saw no answer in time and sends it again
    assert redelivered.status == 200 and LOST not in redelivered.all_text()
    assert await count(sessions, AttendanceAnswer) == 1


async def test_a_strangers_slow_look_up_delays_no_other_officer(
    people, connector: FakeConnector, teams_user, sessions
):
    stranger = teams_user(user_id="29:stranger", name="Unknown Person")
    connector.add_member("29:stranger", email="nobody@elsewhere.example")
    connector.member_latency["29:stranger"] = 10.0
    alex = people["P301"]
    slow = asyncio.create_task(stranger.say("hello"))
    await asyncio.sleep(0.3)  # the stranger's look-up is under way
    answered = await alex.say("whoami")
    assert answered.status == 200 and "Alex Carter" in answered.all_text()
    # The stranger's look-up gives up only after PCSO_LOOKUP_TIMEOUT_SECONDS (3 s): had Alex
    # waited behind it, the stranger's turn would be over by now. (An order, not a time, so
    # a busy machine cannot fail it.)
    assert not slow.done(), "another officer waited behind a stranger's look-up"
    refused = await slow
    assert refused.status == 200 and "not on this force's PCSO roster" in refused.all_text()


async def test_a_newcomer_matched_by_email_is_looked_up_outside_the_transaction(
    people, connector: FakeConnector, teams_user, sessions
):
    riley = teams_user(user_id="29:riley", name="Riley Evans")  # no AAD id on the roster
    connector.add_member("29:riley", email="Riley.Evans@police.example")
    first = await riley.say("whoami")
    assert "Riley Evans" in first.all_text()
    again = await riley.say("whoami")  # known by Teams id now: no second look-up
    assert "Riley Evans" in again.all_text()


async def test_twelve_turns_against_a_ten_second_connector_do_not_wait_for_each_other(
    people, connector: FakeConnector
):
    """Each turn is answered once its own reply is sent (10 s) or at the reply deadline (11 s
    after it arrived), never behind another turn's reply: one after another, the second alone
    would take 20 s. How soon they are answered (within 12 s: issue 11's target) is timed by
    bench/turns.py, "10 s connector", on its own machine state; here, with the suite's other
    work on two cores, 12.01 s was once seen, so the test asserts the order, not the time."""
    users = list(people.values())[:12]
    assert len(users) == 12
    connector.latency = 10.0
    started = time.monotonic()

    async def answer(user: TeamsUser) -> float:
        result = await user.submit({"verb": "briefing.attend", "attendance": "in_person"})
        assert result.status == 200
        return time.monotonic() - started

    times = await asyncio.gather(*(answer(user) for user in users))
    assert max(times) < 2 * connector.latency, sorted(times)
    await asyncio.wait_for(connector.until_delivered(12), 5)  # and every reply arrived


async def test_past_the_deadline_the_request_is_answered_and_the_reply_still_arrives(
    sample_roster, teams_user, connector: FakeConnector, start_bot
):
    url = await start_bot(reply_deadline_seconds=0.5)
    row = next(r for r in sample_roster if r.collar_number == "P301")
    alex = teams_user(row, bot_url=url)
    await alex.install()
    connector.latency = 2.0
    started = time.monotonic()
    result = await alex.say("bwv")
    assert result.status == 200
    assert time.monotonic() - started < 1.5
    await connector.until_delivered(2)  # the welcome, then the guidance
    assert any("categoris" in s.text.lower() or s.card for s in connector.to(alex.conversation_id))


async def test_an_ordinary_turn_does_not_rewrite_the_conversation_reference(people, sessions):
    alex = people["P301"]

    async def stored() -> tuple[Any, ...]:
        async with sessions() as session:
            row = await session.scalar(
                select(ConversationRef).join(Officer).where(Officer.collar_number == "P301")
            )
            assert row is not None
            return row.updated_at, row.reference

    before = await stored()
    assert "activityId" not in before[1]
    await alex.say("help")
    assert await stored() == before
