"""Catch-up sends only what is still worth sending (dialogs/jobs.py, "Catch-up windows").

The real jobs of the sample district, through the scheduler's own start-up and
settings-change catch-ups, on an injected clock: the scheduler is started paused (it plans
but never fires on the wall clock) and its catch-ups are awaited, so the suite passes on
any date. The sample teams' returns reminders are at 16:00 and 17:00 (their default)."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from bot.jobs import standalone_outbox
from bot.scheduler import Scheduler
from bot.settings import Settings
from dialogs import build_router
from dialogs.jobs import Job, due_occurrences, occurrence_on
from storage.models import Delivery, Team
from tests.rig.connector import FakeConnector
from tests.rig.officer_day import Clock
from tests.rig.teams import TeamsUser, card_texts

LONDON = ZoneInfo("Europe/London")
TUESDAY = date(2026, 12, 1)  # a briefing day, GMT
SUMMER_DAY = date(2026, 7, 1)  # Wednesday, a briefing day, BST
LEADERS = ("TL201", "TL202")
MEMBERS = {"TL201", "P301", "P302", "P303", "P304", "TL202", "P311", "P312"}
FIRST = "Time for today's returns."
REPEAT = "Reminder: today's returns have not arrived yet."
NUDGE = "Reminder: you have not answered today's briefing"


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """Local wall-clock time on `day` as the aware UTC instant the clock reads."""
    return datetime.combine(day, time(hour, minute), tzinfo=LONDON).astimezone(UTC)


@pytest.fixture
def fast(settings: Settings) -> Settings:
    return settings.model_copy(update={"tenant_rate": 1000.0, "conversation_rate": 1000.0})


class Service:
    """The scheduler as `pcso-bot serve` builds it, on a clock the test sets."""

    def __init__(self, sessions, settings: Settings, now: datetime) -> None:  # type: ignore[no-untyped-def]
        self.clock = Clock(now)
        self.scheduler = Scheduler(
            sessions=sessions,
            settings=settings,
            jobs=build_router().jobs,
            outbox=standalone_outbox(sessions, settings, self.clock),
            clock=self.clock,
        )
        self.scheduler.start(paused=True)

    async def start_up(self) -> None:
        """What `start` does as the service comes up: plan and catch up as of now."""
        await self.scheduler._start_up()
        await self.scheduler.settle()

    async def plan(self, now: datetime) -> None:
        """The planner's minute: re-read the teams, catch up what a change made due."""
        self.clock.now = now
        await self.scheduler.replan(now)
        await self.scheduler.settle()

    async def stop(self) -> None:
        await self.scheduler.stop()


async def start_up_at(sessions, settings: Settings, now: datetime) -> None:  # type: ignore[no-untyped-def]
    service = Service(sessions, settings, now)
    try:
        await service.start_up()
    finally:
        await service.stop()


def texts(connector: FakeConnector, user: TeamsUser) -> list[str]:
    """Each message the user got, as one text (its own text and its card's)."""
    return [
        "\n".join([s.text, *(card_texts(s.card) if s.card else [])])
        for s in connector.to(user.conversation_id)
        if s.activity.get("type") == "message"
    ]


async def set_team(sessions, **values: object) -> None:  # type: ignore[no-untyped-def]
    """What `pcso-bot teams import` does to every team's row."""
    async with sessions() as session, session.begin():
        await session.execute(update(Team).values(**values))


async def recorded_jobs(sessions) -> list[str]:  # type: ignore[no-untyped-def]
    async with sessions() as session:
        return sorted((await session.scalars(select(Delivery.key))).all())


# The windows, as registered: the table in dialogs/jobs.py's docstring.

WINDOWS = {
    "briefing-prompts": ("08:00", "09:00"),
    "briefing-nudges": ("08:20", "08:30"),  # until the review
    "bwv-reminders": ("15:30", "16:30"),
    "pcso-returns": ("16:00", "16:30"),
    "tasking-reminders": ("16:00", "16:30"),
    "tasking-reminders-repeat": ("17:00", "17:30"),
    "morning-review": ("08:30", "16:30"),
    "one-to-one-reminders": ("08:30", "16:30"),
    "retention-purge": ("02:30", "00:00"),  # the rest of the day
}


def default_team() -> Team:
    return Team(
        id=1,
        name="T",
        district="D",
        briefing_time=time(8, 0),
        briefing_days="mon,tue,wed,thu,fri",
        briefing_on_bank_holidays=False,
        nudge_minutes=20,
        review_time=time(8, 30),
        bwv_time=time(15, 30),
        returns_time=time(16, 0),
        pcso_returns=True,
        supervision_ratio=10,
    )


def window(job: Job, team: Team | None, day: date) -> tuple[str, str]:
    occurrence = occurrence_on(job, team, day, LONDON)
    assert occurrence is not None, job.name
    return (
        f"{occurrence.due_at.astimezone(LONDON):%H:%M}",
        f"{occurrence.send_by.astimezone(LONDON):%H:%M}",
    )


@pytest.mark.parametrize("day", [TUESDAY, SUMMER_DAY])
def test_every_job_has_the_window_of_the_table(day: date):
    jobs = build_router().jobs
    team = default_team()
    for name, expected in WINDOWS.items():
        assert window(jobs[name], team if jobs[name].per_team else None, day) == expected, name
    monday = date(2026, 11, 30)
    assert window(jobs["inspector-rollup"], None, monday) == ("08:30", "16:30")
    assert set(jobs) == {*WINDOWS, "inspector-rollup"}
    assert jobs["briefing-nudges"].follows == "briefing-prompts"
    assert jobs["tasking-reminders-repeat"].follows == "tasking-reminders"


def test_only_the_most_recent_occurrence_is_ever_caught_up():
    jobs = build_router().jobs
    team = default_team()
    prompt, repeat = jobs["tasking-reminders"], jobs["tasking-reminders-repeat"]
    assert [o.due_at for o in due_occurrences(prompt, team, at(TUESDAY, 16, 29), LONDON)] == [
        at(TUESDAY, 16)
    ]
    for late in (at(TUESDAY, 16, 30), at(TUESDAY, 17, 10), at(TUESDAY, 18, 52)):
        assert due_occurrences(prompt, team, late, LONDON) == [], late
    assert due_occurrences(repeat, team, at(TUESDAY, 17, 10), LONDON) != []
    assert due_occurrences(repeat, team, at(TUESDAY, 18, 52), LONDON) == []
    # Nothing of yesterday once the day is over, not even the purge.
    wednesday = date(2026, 12, 2)
    assert due_occurrences(jobs["retention-purge"], None, at(wednesday, 1, 0), LONDON) == []


# Start-up catch-up.


async def test_at_1852_the_start_up_catch_up_sends_no_returns_reminder(
    people, connector: FakeConnector, sessions, fast
):
    for day in (TUESDAY, SUMMER_DAY):
        await start_up_at(sessions, fast, at(day, 18, 52))
    assert connector.messages() == []
    assert await recorded_jobs(sessions) == []


async def test_at_1710_the_start_up_catch_up_sends_the_repeat_once(
    people, connector: FakeConnector, sessions, fast
):
    await start_up_at(sessions, fast, at(TUESDAY, 17, 10))
    await start_up_at(sessions, fast, at(TUESDAY, 17, 15))  # restarted again: nothing twice

    for collar in LEADERS:
        [message] = texts(connector, people[collar])
        assert REPEAT in message and FIRST not in message
    assert len(connector.messages()) == len(LEADERS)


async def test_a_briefing_prompt_is_not_caught_up_at_0930(
    people, connector: FakeConnector, sessions, fast
):
    await start_up_at(sessions, fast, at(TUESDAY, 9, 30))
    keys = await recorded_jobs(sessions)
    assert keys  # the sergeants' summaries (08:30, caught up later in the day)
    assert not [key for key in keys if key.startswith("briefing-")]
    assert not any(texts(connector, people[collar]) for collar in MEMBERS)


async def test_a_prompt_caught_up_is_not_followed_at_once_by_its_nudge(
    people, connector: FakeConnector, sessions, fast
):
    # 08:25: the prompt (08:00-09:00) and the nudge (08:20-08:30) are both within their
    # windows; the officers get the prompt, and no nudge on its heels.
    await start_up_at(sessions, fast, at(TUESDAY, 8, 25))

    got = {collar: texts(connector, user) for collar, user in people.items()}
    assert {collar for collar, messages in got.items() if messages} == MEMBERS
    for collar in MEMBERS:
        [prompt] = got[collar]
        assert "Briefing:" in prompt and NUDGE not in prompt, collar


# Settings-change catch-up: what `pcso-bot teams import` sets off in the running service.


async def test_a_teams_import_at_1852_brings_back_no_returns_reminder(
    people, connector: FakeConnector, sessions, fast
):
    service = Service(sessions, fast, at(TUESDAY, 18, 50))
    try:
        await service.plan(at(TUESDAY, 18, 50))  # the planner knew the teams before
        await set_team(sessions, remote_link="https://teams.microsoft.com/l/meetup-join/new")
        await service.plan(at(TUESDAY, 18, 52))
        await set_team(sessions, returns_time=time(15, 0))  # moved earlier: long past too
        await service.plan(at(TUESDAY, 18, 53))
    finally:
        await service.stop()
    assert connector.messages() == []
    assert await recorded_jobs(sessions) == []


async def test_a_change_does_not_resurrect_what_was_due_before_it(
    people, connector: FakeConnector, sessions, fast
):
    # The 17:00 repeat was due before the change (and, say, the service was busy then): a
    # change of the meeting link at 17:10 must not send it now.
    service = Service(sessions, fast, at(TUESDAY, 16, 59))
    try:
        await service.plan(at(TUESDAY, 16, 59))
        await set_team(sessions, remote_link="https://teams.microsoft.com/l/meetup-join/new")
        await service.plan(at(TUESDAY, 17, 10))
    finally:
        await service.stop()
    assert connector.messages() == []


async def test_a_returns_time_moved_earlier_at_1710_sends_the_repeat_once(
    people, connector: FakeConnector, sessions, fast
):
    await set_team(sessions, returns_time=time(18, 0))
    service = Service(sessions, fast, at(TUESDAY, 17, 5))
    try:
        await service.plan(at(TUESDAY, 17, 5))
        await set_team(sessions, returns_time=time(16, 0))  # 17:00's repeat is now due
        await service.plan(at(TUESDAY, 17, 10))
        await service.plan(at(TUESDAY, 17, 11))  # unchanged: nothing more
    finally:
        await service.stop()

    for collar in LEADERS:
        [message] = texts(connector, people[collar])
        assert REPEAT in message
    assert len(connector.messages()) == len(LEADERS)


# Logs: the planner runs every minute and says nothing at INFO unless something happens.


async def test_an_idle_minute_logs_nothing_at_info(
    people, connector: FakeConnector, sessions, fast, caplog
):
    service = Service(sessions, fast, at(TUESDAY, 11, 0))
    try:
        await service.start_up()
        caplog.clear()
        caplog.set_level(logging.DEBUG)
        for minute in range(1, 4):
            await service.plan(at(TUESDAY, 11, minute))
        await standalone_outbox(sessions, fast, service.clock).drain()  # the worker's round
        await service.scheduler.catch_up(at(TUESDAY, 11, 4))
        ours = [
            r
            for r in caplog.records
            if r.levelno >= logging.INFO and r.name.split(".")[0] in ("bot", "dialogs", "storage")
        ]
        assert ours == [], [r.getMessage() for r in ours]

        await set_team(sessions, supervision_ratio=5)
        await service.plan(at(TUESDAY, 11, 5))
    finally:
        await service.stop()
    changed = [r.getMessage() for r in caplog.records if r.name == "bot.scheduler"]
    assert changed == [
        "team Maidstone CSU North has new settings: replanned; nothing newly due",
        "team Maidstone PSTF has new settings: replanned; nothing newly due",
    ]
