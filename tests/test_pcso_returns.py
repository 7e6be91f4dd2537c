"""The optional PCSO daily return end to end: prompts when on, validated counts and notes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from dialogs.pcso_returns.models import PcsoReturn
from storage.models import Officer, Team
from tests.rig.officer_day import Clock, run
from tests.rig.teams import card_texts

RETURNS_TIME = datetime(2026, 12, 1, 16, 0, tzinfo=UTC)  # 16:00 GMT, Tuesday
PSTF = "Maidstone PSTF"
GOOD = {
    "cads_attended": "3",
    "themis_updated": "1",
    "intel_submitted": "0",
    "engagements": "12",
    "vulnerable_engagements": "2",
}


@pytest.fixture
def clock() -> Clock:
    return Clock(RETURNS_TIME + timedelta(minutes=20))


@pytest.fixture
async def returns_on(sessions) -> None:  # type: ignore[no-untyped-def]
    async with sessions() as session, session.begin():
        await session.execute(update(Team).where(Team.name == PSTF).values(pcso_returns=True))


async def returns(sessions, collar: str) -> list[PcsoReturn]:  # type: ignore[no-untyped-def]
    async with sessions() as session:
        return list(
            (
                await session.scalars(
                    select(PcsoReturn)
                    .join(Officer, Officer.id == PcsoReturn.officer_id)
                    .where(Officer.collar_number == collar)
                    .order_by(PcsoReturn.id)
                )
            ).all()
        )


async def test_no_return_prompts_unless_the_team_turns_them_on(
    people, connector, sessions, settings
):
    result = await run(sessions, settings, "pcso-returns", RETURNS_TIME)
    assert (result.run.occurrences, connector.messages()) == (0, [])
    seen = (await people["P311"].say("my return")).all_text()
    assert "Maidstone PSTF does not use PCSO daily returns" in seen


async def test_one_card_per_pcso_on_duty_at_returns_time(
    people, returns_on, connector, sessions, settings, clock
):
    clock.now = RETURNS_TIME - timedelta(hours=8)
    await people["P312"].say("sick")
    connector.clear()
    early = await run(sessions, settings, "pcso-returns", RETURNS_TIME - timedelta(minutes=1))
    assert early.run.occurrences == 0
    await run(sessions, settings, "pcso-returns", RETURNS_TIME)
    got = {c for c, u in people.items() if connector.to(u.conversation_id)}
    assert got == {"P311"}  # not the team leader, not the PCSO off sick, not CSU North
    card = connector.to(people["P311"].conversation_id)[0].card
    seen = "\n".join(card_texts(card))
    assert "never names of members of the public" in seen
    notes = next(i for i in card["body"] if i.get("id") == "notes")
    assert notes["maxLength"] == 1000
    assert [i["id"] for i in card["body"] if i.get("type") == "Input.Number"] == list(GOOD)


async def test_card_return_recorded_and_changes_kept(
    people, returns_on, connector, sessions, settings
):
    await run(sessions, settings, "pcso-returns", RETURNS_TIME)
    prompt = connector.to(people["P311"].conversation_id)[0]
    data = {"verb": "pcso_return.submit", "day": "2026-12-01", **GOOD, "notes": "CAD 1234"}
    result = await people["P311"].submit(data, reply_to=prompt.activity_id)
    [update_] = result.replies
    assert (update_.method, update_.activity_id) == ("PUT", prompt.activity_id)
    seen = "\n".join(card_texts(update_.card))
    assert "Recorded at 16:20" in seen and "Community engagements: 12" in seen
    await people["P311"].say("my return 4 1 0 12 2 CAD 1234 and CAD 1240")
    kept = await returns(sessions, "P311")
    assert [(r.cads_attended, r.notes) for r in kept] == [
        (3, "CAD 1234"),
        (4, "CAD 1234 and CAD 1240"),
    ]


@pytest.mark.parametrize(
    ("changed", "message"),
    [
        ({"cads_attended": "three"}, "CADs attended must be a whole number from 0 to 999"),
        ({"themis_updated": "-1"}, "Themis cases updated cannot be negative"),
        ({"engagements": "1000"}, "Community engagements cannot be more than 999"),
        ({"intel_submitted": "2.5"}, "Intelligence reports submitted must be a whole number"),
        ({"vulnerable_engagements": ""}, "Engagements with vulnerable people is missing"),
        ({"notes": "x" * 1001}, "Notes are limited to 1000 characters; yours has 1001"),
    ],
)
async def test_bad_returns_name_the_field_and_save_nothing(
    people, returns_on, sessions, changed, message
):
    data = {"day": "2026-12-01", **GOOD, **changed}
    result = await people["P311"].execute("pcso_return.submit", data)
    assert message in result.all_text()
    assert "Nothing saved" in result.all_text()
    assert await returns(sessions, "P311") == []


async def test_typed_return_with_too_few_or_bad_numbers_refused(people, returns_on, sessions):
    seen = (await people["P311"].say("my return 3 1")).all_text()
    assert "Type my return CADS THEMIS INTEL ENGAGEMENTS VULNERABLE" in seen
    seen = (await people["P311"].say("my return 3 -1 0 x 2")).all_text()
    assert "Themis cases updated cannot be negative" in seen
    assert "Community engagements must be a whole number" in seen
    assert await returns(sessions, "P311") == []
