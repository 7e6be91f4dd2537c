"""Team-leader tasking and returns end to end, and the returns reminder (docs/guide.md,
"Tasking and returns")."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update

from dialogs.one_to_one.models import OneToOne
from dialogs.returns.models import TaskOutcome, TeamReturn
from dialogs.tasking.models import Task, TaskAssignee
from storage.models import Delivery, Team
from tests.rig.connector import FakeConnector, Sent
from tests.rig.officer_day import Clock, deliver, run
from tests.rig.teams import TeamsUser, action, card_texts, inputs

MORNING = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # Tuesday, GMT
RETURNS_TIME = datetime(2026, 12, 1, 16, 0, tzinfo=UTC)
CSU = "Maidstone CSU North"


@pytest.fixture
def clock() -> Clock:
    return Clock(MORNING)


def posting(**tasks: str) -> dict[str, Any]:
    return {"verb": "tasking.submit", "team": CSU, "day": "2026-12-01", **tasks}


TWO_TASKS = {
    "description_1": "Patrol town centre",
    "reference_1": "OSARA-22",
    "assignees_1": "P301, p302",
    "description_2": "Visit shops on the High Street",
    "reference_2": "",
    "assignees_2": "P303",
}


NAMES_OF_A_ROW = ("description", "reference", "assignees")


def cards_to(connector: FakeConnector, user: TeamsUser) -> list[str]:
    return ["\n".join(card_texts(s.card)) for s in connector.to(user.conversation_id) if s.card]


async def count(sessions, model) -> int:  # type: ignore[no-untyped-def]
    async with sessions() as session:
        return await session.scalar(select(func.count()).select_from(model)) or 0


async def test_team_leader_posts_tasking_and_assigned_pcsos_receive_their_tasks(
    people, connector, sessions, settings, clock
):
    leader = people["TL201"]
    card = (await leader.say("tasking")).cards[0]
    ids = list(inputs(card))
    assert ids[:3] == ["description_1", "reference_1", "assignees_1"]
    assert "assignees_8" in ids
    # Three rows show; the others, up to eight, behind "Add a task".
    shown = [item["id"] for item in card["body"] if item.get("type", "").startswith("Input.")]
    assert shown == [f"{name}_{n}" for n in (1, 2, 3) for name in NAMES_OF_A_ROW]
    more = next(item for item in card["body"] if item.get("id") == "more-0")
    assert more["isVisible"] is False
    assert action(card, "Add a task")["targetElements"] == ["more-0"]
    assert [i["id"] for i in more["items"]][-1] == "assignees_8"
    # PCSOs are chosen from the team, several at once (sent comma-separated).
    pick = inputs(card)["assignees_1"]
    assert (pick["type"], pick["isMultiSelect"]) == ("Input.ChoiceSet", True)
    assert {c["value"] for c in pick["choices"]} >= {"P301", "P302", "P303", "P304"}
    assert card["actions"][0]["data"] == posting()
    result = await leader.submit(posting(**TWO_TASKS))
    seen = result.all_text()
    assert "Tasking recorded: Maidstone CSU North, Tue 1 Dec 2026" in seen
    assert "Task 1: Patrol town centre [OSARA-22] — Alex Carter, Jordan Patel" in seen
    assert "Task 2: Visit shops on the High Street — Morgan Hughes" in seen
    assert "Sent to Alex Carter, Jordan Patel, Morgan Hughes." in seen
    await deliver(sessions, settings, clock)
    [alex] = cards_to(connector, people["P301"])
    assert "Your tasks for Tue 1 Dec 2026" in alex
    assert "Patrol town centre [OSARA-22]" in alex and "High Street" not in alex
    assert "Set by Sam Okafor (TL201), Maidstone CSU North." in alex
    [morgan] = cards_to(connector, people["P303"])
    assert "Task 2: Visit shops on the High Street" in morgan
    assert cards_to(connector, people["P304"]) == []
    assert await count(sessions, Task) == 2
    again = (await leader.say("tasking")).cards[0]
    assert "Already set today" in "\n".join(card_texts(again))
    given = inputs(again)
    assert (given["description_1"]["label"], given["description_1"]["value"]) == (
        "Task 1",
        "Patrol town centre",
    )
    assert given["assignees_1"]["value"] == "P301,P302"
    assert "value" not in given["description_3"]  # the next task to fill in


async def test_an_unknown_collar_is_named_and_nothing_is_saved(people, sessions):
    leader = people["TL201"]
    bad = {**TWO_TASKS, "assignees_2": "P303, P399", "assignees_1": "P311"}
    seen = (await leader.submit(posting(**bad))).all_text()
    assert "Nothing saved" in seen
    assert "Task 1: P311 is not in Maidstone CSU North." in seen
    assert "Task 2: P399 is not in Maidstone CSU North." in seen
    missing = (await leader.submit(posting(description_1="Patrol", assignees_1=""))).all_text()
    assert "Task 1 has no PCSOs" in missing
    assert await count(sessions, Task) == 0
    assert await count(sessions, Delivery) == 0


async def test_typed_tasks_are_numbered_on_and_limits_are_said(people, sessions, settings):
    leader = people["TL201"]
    first = (await leader.say("task Patrol town centre | OSARA-22 | P301, P302")).all_text()
    assert "Task 1: Patrol town centre [OSARA-22] — Alex Carter, Jordan Patel" in first
    second = (await leader.say("task Leaflet drop | P304")).all_text()
    assert "Task 2: Leaflet drop — Riley Evans" in second
    long = (await leader.say(f"task {'x' * 301} | | P301")).all_text()
    assert "limited to 300 characters; it has 301" in long
    ref = (await leader.say(f"task Patrol | {'R' * 41} | P301")).all_text()
    assert "reference is limited to 40 characters" in ref
    usage = (await leader.say("task Patrol town centre")).all_text()
    assert "task DESCRIPTION | REFERENCE | COLLARS" in usage
    assert await count(sessions, Task) == 2
    for n in range(3, 9):
        await leader.say(f"task Task {n} | P301")
    full = (await leader.say("task Task 9 | P301")).all_text()
    assert "A day holds at most 8 tasks, and 8 are set already." in full
    assert await count(sessions, Task) == 8


async def test_only_team_leaders_and_the_teams_sergeants_may_post(people, sessions):
    refused = (await people["P301"].say("tasking")).all_text()
    assert refused == "Sorry, 'tasking [TEAM]' is only for sergeants, team leaders."
    other = (await people["TL202"].submit(posting(**TWO_TASKS))).all_text()
    assert "is not one of your teams" in other
    s102 = (await people["S102"].say("tasking Maidstone CSU North")).all_text()
    assert "is not one of your teams. Yours: Maidstone PSTF" in s102
    which = (await people["S101"].say("tasking")).all_text()
    assert "Which team? Type tasking followed by one of: Maidstone CSU North, Maidstone PSTF" in (
        which
    )
    assert "Post tasking" in (await people["S101"].say("tasking csu north")).all_text()
    typed = (await people["S101"].say("task Speedwatch | CAD 1234 | P311")).all_text()
    assert "Tasking recorded: Maidstone PSTF" in typed
    assert await count(sessions, Task) == 1


def returns_card(sent: list[Sent]) -> dict[str, Any]:
    [card] = [s.card for s in sent if s.card and s.card["body"][0]["text"].startswith("Returns:")]
    return card


def returns_data(**fields: Any) -> dict[str, Any]:
    counts = {
        "cads_attended": "3",
        "themis_updated": "2",
        "intel_submitted": "1",
        "engagements": "12",
        "vulnerable_engagements": "2",
    }
    return {"verb": "returns.submit", "team": CSU, "day": "2026-12-01", **counts, **fields}


async def test_returns_prompt_is_prefilled_and_repeated_once_if_nothing_arrives(
    people, connector, sessions, settings, clock
):
    await people["TL201"].submit(posting(**TWO_TASKS))
    await deliver(sessions, settings, clock)
    connector.clear()
    early = await run(sessions, settings, "tasking-reminders", RETURNS_TIME - timedelta(minutes=1))
    assert early.run.occurrences == 0
    await run(sessions, settings, "tasking-reminders", RETURNS_TIME)
    card = returns_card(connector.to(people["TL201"].conversation_id))
    seen = "\n".join(card_texts(card))
    assert "Returns: Maidstone CSU North, Tue 1 Dec 2026" in seen
    assert "Time for today's returns." in seen
    ids = list(inputs(card))
    assert ids[:4] == ["outcome_1", "note_1", "outcome_2", "note_2"]
    # Each task with its outcome choice directly under it: the choice is labelled with it.
    outcome = inputs(card)["outcome_1"]
    assert outcome["label"] == "Task 1: Patrol town centre [OSARA-22] — Alex Carter, Jordan Patel"
    assert outcome["errorMessage"] == "Task 1: choose done, part done or not done."
    assert inputs(card)["cads_attended"]["value"] == 0
    assert "vulnerable_engagements" in ids and "notes" in ids
    pstf = "\n".join(card_texts(returns_card(connector.to(people["TL202"].conversation_id))))
    assert "No tasks were set today" in pstf
    assert connector.to(people["P301"].conversation_id) == []
    clock.now = RETURNS_TIME + timedelta(minutes=30)
    await people["TL202"].submit({**returns_data(), "team": "Maidstone PSTF"})
    connector.clear()
    await run(sessions, settings, "tasking-reminders", RETURNS_TIME + timedelta(minutes=10))
    repeat = RETURNS_TIME + timedelta(hours=1)
    assert (await run(sessions, settings, "tasking-reminders-repeat", repeat)).run.recorded == 1
    [reminder] = connector.to(people["TL201"].conversation_id)
    assert "Reminder: today's returns have not arrived yet." in card_texts(reminder.card)
    assert connector.to(people["TL202"].conversation_id) == []
    later = await run(sessions, settings, "tasking-reminders-repeat", repeat + timedelta(hours=1))
    assert later.run.recorded == 0
    assert len(connector.messages()) == 1


async def test_returns_recorded_corrected_the_same_day_and_changes_kept(
    people, connector, sessions, settings, clock
):
    leader = people["TL201"]
    await leader.submit(posting(**TWO_TASKS))
    clock.now = RETURNS_TIME + timedelta(minutes=5)
    first = await leader.execute(
        "returns.submit",
        returns_data(outcome_1="done", note_1="All quiet", outcome_2="part_done"),
    )
    body = first.body["value"]
    seen = "\n".join(card_texts(body))
    assert "Returns recorded: Maidstone CSU North, Tue 1 Dec 2026" in seen
    assert (
        "Task 1: Patrol town centre: done" in seen
        and "Task 2: Visit shops on the High Street: part done"
    )
    assert "CADs attended: 3" in seen and "Engagements with vulnerable people: 2" in seen
    clock.now = RETURNS_TIME + timedelta(minutes=20)
    await leader.submit(returns_data(outcome_1="done", outcome_2="done", cads_attended="4"))
    card = (await leader.say("returns")).cards[0]
    values = {item["id"]: item.get("value") for item in card["body"] if "id" in item}
    assert values["outcome_2"] == "done" and values["cads_attended"] == 4
    assert "Returns sent at 16:20" in "\n".join(card_texts(card))
    async with sessions() as session:
        rows = (await session.scalars(select(TeamReturn).order_by(TeamReturn.id))).all()
        assert [r.cads_attended for r in rows] == [3, 4]
        outcomes = await session.scalars(select(TaskOutcome.outcome).order_by(TaskOutcome.id))
        assert outcomes.all() == ["done", "part_done", "done", "done"]


async def test_bad_returns_are_refused_and_typed_returns_work(people, sessions, clock):
    leader = people["TL201"]
    await leader.submit(posting(**TWO_TASKS))
    bad = await leader.submit(returns_data(outcome_1="finished", themis_updated="-1"))
    seen = bad.all_text()
    assert "Nothing saved." in seen
    assert "Task 1 'finished' is not an outcome" in seen and "Task 2 has no outcome" in seen
    assert await count(sessions, TeamReturn) == 0
    counts = await leader.submit(
        returns_data(outcome_1="done", outcome_2="done", themis_updated="-1")
    )
    assert "Themis cases updated cannot be negative." in counts.all_text()
    typed = (await leader.say("returns done, not done | 3 2 1 5 0 | Quiet day")).all_text()
    assert (
        "Returns recorded" in typed and "Task 2: Visit shops on the High Street: not done" in typed
    )
    async with sessions() as session:
        row = await session.scalar(select(TeamReturn))
        assert (row.cads_attended, row.engagements, row.notes) == (3, 5, "Quiet day")
    clock.now = datetime(2026, 12, 2, 8, 31, tzinfo=UTC)  # the day went to Wednesday's review
    late = (await leader.submit(returns_data(outcome_1="done", outcome_2="done"))).all_text()
    assert "already gone to your sergeant's review" in late
    assert await count(sessions, TeamReturn) == 1


async def test_no_reminder_on_a_day_that_is_not_a_briefing_day(people, sessions, settings):
    saturday = datetime(2026, 12, 5, 16, 0, tzinfo=UTC)
    assert (await run(sessions, settings, "tasking-reminders", saturday)).run.occurrences == 0
    async with sessions() as session, session.begin():
        await session.execute(update(Team).values(briefing_days="mon,tue,wed,thu,fri,sat"))
    assert (await run(sessions, settings, "tasking-reminders", saturday)).run.recorded == 2


async def test_retention_purge_takes_tasks_with_their_assignees_and_outcomes(
    people, sessions, settings, clock
):
    leader = people["TL201"]
    await leader.submit(posting(**TWO_TASKS))
    await leader.submit(returns_data(outcome_1="done", outcome_2="not_done"))
    clock.now = MORNING + timedelta(days=2)
    await leader.say("task Speedwatch | CAD 77 | P304")
    await people["S101"].say("one-to-one P301 | On track | Surgery held | pnb yes")
    short = settings.model_copy(update={"retention_days": 30})
    await run(sessions, short, "retention-purge", datetime(2027, 1, 1, 2, 30, tzinfo=UTC))
    async with sessions() as session:
        left = (await session.scalars(select(Task.description))).all()
        assert left == ["Speedwatch"]
        assert await session.scalar(select(func.count()).select_from(TaskAssignee)) == 1
        assert await session.scalar(select(func.count()).select_from(TaskOutcome)) == 0
        assert await session.scalar(select(func.count()).select_from(TeamReturn)) == 0
        assert await session.scalar(select(func.count()).select_from(OneToOne)) == 1
