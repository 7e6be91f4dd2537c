"""Away periods end to end: recorded, no prompts on those days, `back`, bad dates refused."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from dialogs.away.models import AwayPeriod
from tests.rig.connector import FakeConnector
from tests.rig.officer_day import Clock, officers_of, run
from tests.rig.teams import TeamsUser

MONDAY = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
TUESDAY_0800 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> Clock:
    return Clock(MONDAY)


@pytest.fixture
async def pcso(sample_roster, teams_user, connector: FakeConnector) -> TeamsUser:
    user = officers_of(sample_roster, teams_user, connector)["P303"]
    await user.install()
    connector.clear()
    return user


async def periods(sessions) -> list[tuple[date, date, str, bool]]:  # type: ignore[no-untyped-def]
    async with sessions() as session:
        rows = (await session.scalars(select(AwayPeriod).order_by(AwayPeriod.id))).all()
        return [(p.first_day, p.last_day, p.reason, p.cancelled_at is not None) for p in rows]


async def test_away_period_recorded_and_no_prompts_on_those_days(
    pcso, connector, sessions, settings, clock
):
    result = await pcso.say("away 2026-12-01 to 2026-12-14 annual leave")
    assert result.texts == [
        "Recorded: away Tue 1 Dec 2026 to Mon 14 Dec 2026 (annual leave). "
        "No prompts on those days. Type back if you return early."
    ]
    assert await periods(sessions) == [
        (date(2026, 12, 1), date(2026, 12, 14), "annual_leave", False)
    ]
    connector.clear()
    for day in (1, 14):
        at = TUESDAY_0800 + timedelta(days=day - 1)
        await run(sessions, settings, "briefing-prompts", at)
        await run(sessions, settings, "bwv-reminders", at.replace(hour=15, minute=30))
    assert connector.to(pcso.conversation_id) == []
    await run(sessions, settings, "briefing-prompts", datetime(2026, 12, 15, 8, 0, tzinfo=UTC))
    assert len(connector.to(pcso.conversation_id)) == 1


async def test_away_today_then_back_resumes_prompts(pcso, connector, sessions, settings, clock):
    clock.now = datetime(2026, 12, 1, 7, 0, tzinfo=UTC)
    result = await pcso.say("away today sick")
    assert "away on Tue 1 Dec 2026 (sick)" in result.all_text()
    clock.now = datetime(2026, 12, 1, 7, 30, tzinfo=UTC)
    assert "Welcome back" in (await pcso.say("back")).all_text()
    assert (await periods(sessions))[0][3] is True  # started today: cancelled
    connector.clear()
    await run(sessions, settings, "briefing-prompts", TUESDAY_0800)
    assert len(connector.to(pcso.conversation_id)) == 1


async def test_back_ends_a_longer_period_yesterday_and_keeps_later_ones(pcso, sessions, clock):
    await pcso.say("away 2026-11-30 to 2026-12-04 sick")
    await pcso.say("away 24/12/2026 to 31/12/2026 annual leave")
    clock.now = datetime(2026, 12, 2, 7, 0, tzinfo=UTC)
    await pcso.say("back")
    assert await periods(sessions) == [
        (date(2026, 11, 30), date(2026, 12, 1), "sick", False),
        (date(2026, 12, 24), date(2026, 12, 31), "annual_leave", False),
    ]
    listed = (await pcso.say("away")).all_text()
    assert "Thu 24 Dec 2026 to Thu 31 Dec 2026 (annual leave)" in listed
    assert "Mon 30 Nov" not in listed


async def test_back_when_not_away(pcso):
    assert "not marked away today" in (await pcso.say("back")).all_text()


async def test_reason_is_optional(pcso, sessions):
    result = await pcso.say("away tomorrow")
    assert "(no reason given)" in result.all_text()
    assert (await periods(sessions))[0][2] == "unspecified"


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("away 2026-13-01", "'2026-13-01' is not a date I can read"),
        ("away next week", "'next' is not a date I can read"),
        ("away 2026-12-14 to 2026-12-01", "is before the start"),
        ("away 2026-12-01 to", "Say when you are back"),
        ("away 2026-12-01 to 2026-12-03 holiday", "'holiday' is not a reason I know"),
        ("away 2026-11-01 to 2026-11-20", "already ended"),
        ("away 2026-12-01 to 2028-01-01", "up to a year"),
    ],
)
async def test_bad_away_refused_and_nothing_saved(pcso, sessions, typed, message):
    result = await pcso.say(typed)
    assert message in result.all_text()
    assert "Nothing saved" in result.all_text() or "Say when" in result.all_text()
    assert await periods(sessions) == []


async def test_only_members_record_away(sample_roster, teams_user, connector, sessions):
    sergeant = officers_of(sample_roster, teams_user, connector)["S101"]
    assert "only for PCSOs, team leaders" in (await sergeant.say("away today")).all_text()
    assert await periods(sessions) == []
