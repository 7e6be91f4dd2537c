"""When jobs run: chosen instants, never sleeping. The scheduler's wiring is asked for its
next fire times across the clock changes of 2026-03-29 and 2026-10-25; job runs are
called as of chosen instants; `pcso-bot jobs` runs as a real subprocess."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from bot.jobs import record_due, run_job, standalone_outbox
from bot.scheduler import Scheduler
from bot.settings import Settings
from dialogs.briefing.models import AttendanceAnswer
from dialogs.retention import NAME as PURGE
from dialogs.retention import register as register_retention
from dialogs.retention import retained_tables
from dialogs.router import Router
from storage.models import Delivery, DeliveryStatus, Officer, ProcessedActivity, Team
from tests.rig.connector import FakeConnector
from tests.rig.fanout import JOB, PROMPTS, seed
from tests.rig.officer_day import Clock

LONDON = ZoneInfo("Europe/London")

# Due at the team's briefing time every day (2026-03-29 and 2026-10-25 are Sundays).
DAILY = replace(PROMPTS, due=lambda team, _day: team.briefing_time)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


@pytest.fixture
def fast(settings: Settings) -> Settings:
    return settings.model_copy(update={"tenant_rate": 1000.0, "conversation_rate": 1000.0})


def scheduler_for(sessions, settings: Settings, clock: Callable[[], datetime]) -> Scheduler:  # type: ignore[no-untyped-def]
    return Scheduler(
        sessions=sessions,
        settings=settings,
        jobs={JOB: DAILY},
        outbox=standalone_outbox(sessions, settings, clock),
        clock=clock,
    )


async def bench_team_id(sessions) -> int:  # type: ignore[no-untyped-def]
    async with sessions() as session:
        return await session.scalar(select(Team.id))


async def next_fire(sessions, settings: Settings, now: datetime) -> datetime:  # type: ignore[no-untyped-def]
    """Plan as of `now` on a paused scheduler; when the bench team's job fires next."""
    scheduler = scheduler_for(sessions, settings, lambda: now)
    scheduler.start(paused=True)
    try:
        await scheduler.replan(now)
        return scheduler.next_fire_times()[f"{JOB}@{await bench_team_id(sessions)}"]
    finally:
        await scheduler.stop()


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        ("2026-03-28T08:00:30+00:00", "2026-03-29T07:00:00+00:00"),  # Sunday 08:00 BST
        ("2026-03-29T07:00:01+00:00", "2026-03-30T07:00:00+00:00"),
        ("2026-03-29T00:30:00+00:00", "2026-03-29T07:00:00+00:00"),  # in the night of change
        ("2026-10-24T07:00:30+00:00", "2026-10-25T08:00:00+00:00"),  # Sunday 08:00 GMT
        ("2026-10-25T08:00:01+00:00", "2026-10-26T08:00:00+00:00"),
        ("2026-10-25T00:30:00+00:00", "2026-10-25T08:00:00+00:00"),  # in the night of change
    ],
)
async def test_the_scheduler_fires_at_0800_local_across_the_clock_changes(
    sessions, fast, connector: FakeConnector, now: str, expected: str
):
    await seed(sessions, 1, connector.url)
    fire = await next_fire(sessions, fast, utc(now))
    assert fire == utc(expected)
    assert fire.astimezone(LONDON).time() == time(8, 0)


async def test_a_planned_firing_sends_the_prompt_at_0800_in_winter_and_summer(
    sessions, fast, connector: FakeConnector
):
    await seed(sessions, 2, connector.url)
    for day in (date(2026, 12, 1), date(2026, 7, 1)):
        eight = datetime.combine(day, time(8, 0), tzinfo=LONDON).astimezone(UTC)
        scheduler = scheduler_for(sessions, fast, lambda eight=eight: eight)
        scheduler.start(paused=True)
        try:
            await scheduler.replan(eight - timedelta(minutes=1))
            [planned] = scheduler._scheduler.get_jobs()
            assert planned.next_run_time == eight
            await planned.func(*planned.args)  # what APScheduler calls at that instant
        finally:
            await scheduler.stop()
    assert sum(connector.delivered.values()) == 4
    async with sessions() as session:
        days = set((await session.scalars(select(Delivery.day))).all())
    assert days == {date(2026, 12, 1), date(2026, 7, 1)}


async def test_job_runs_send_what_is_due_within_grace_and_nothing_twice(
    sessions, fast, connector: FakeConnector, clock
):
    await seed(sessions, 3, connector.url)
    box = standalone_outbox(sessions, fast, clock)

    async def run(at: str) -> tuple[int, int]:
        result = await run_job(
            sessions=sessions, jobs={JOB: DAILY}, settings=fast, outbox=box, name=JOB, now=utc(at)
        )
        return result.run.recorded, result.sent

    assert await run("2026-07-01T06:59:59+00:00") == (0, 0)  # 07:59:59 BST: not yet due
    assert await run("2026-07-01T07:00:00+00:00") == (3, 3)  # 08:00 BST
    assert await run("2026-07-01T07:30:00+00:00") == (0, 0)  # nothing twice
    assert await run("2026-12-01T08:59:59+00:00") == (3, 3)  # missed, caught up within grace
    assert await run("2026-12-02T09:00:00+00:00") == (0, 0)  # missed, past its grace
    assert sum(connector.delivered.values()) == 6


async def test_start_up_catches_up_within_grace_and_not_after(
    sessions, fast, connector: FakeConnector
):
    await seed(sessions, 3, connector.url)
    for now, sent in (("2026-12-01T09:01:00+00:00", 0), ("2026-12-02T08:40:00+00:00", 3)):
        scheduler = scheduler_for(sessions, fast, lambda now=now: utc(now))
        scheduler.start()
        try:
            await scheduler.settle()
        finally:
            await scheduler.stop()
        assert sum(connector.delivered.values()) == sent, now


async def test_a_teams_import_takes_effect_without_a_restart(
    sessions, fast, connector: FakeConnector
):
    await seed(sessions, 2, connector.url)
    team_id = await bench_team_id(sessions)
    clock = {"now": utc("2026-12-01T07:00:00+00:00")}
    scheduler = scheduler_for(sessions, fast, lambda: clock["now"])
    scheduler.start(paused=True)
    try:
        await scheduler.replan(clock["now"])
        assert scheduler.next_fire_times()[f"{JOB}@{team_id}"] == utc("2026-12-01T08:00+00:00")

        await set_briefing_time(sessions, time(9, 0))
        await scheduler.replan(clock["now"])
        assert scheduler.next_fire_times()[f"{JOB}@{team_id}"] == utc("2026-12-01T09:00+00:00")

        clock["now"] = utc("2026-12-01T08:20:00+00:00")  # moved back to 08:00, now past it
        await set_briefing_time(sessions, time(8, 0))
        await scheduler.replan(clock["now"])
        await scheduler.settle()
        assert scheduler.next_fire_times()[f"{JOB}@{team_id}"] == utc("2026-12-02T08:00+00:00")
        assert sum(connector.delivered.values()) == 2  # caught up within grace
    finally:
        await scheduler.stop()


async def set_briefing_time(sessions, at: time) -> None:  # type: ignore[no-untyped-def]
    async with sessions() as session, session.begin():
        await session.execute(update(Team).values(briefing_time=at))


async def test_retention_purge_deletes_what_is_past_retention(sample_roster, sessions, fast):
    router = Router()
    register_retention(router)
    now = utc("2026-12-01T02:30:00+00:00")
    kept_day = date(2026, 12, 1) - timedelta(days=fast.retention_days)
    old_day = kept_day - timedelta(days=1)
    async with sessions() as session, session.begin():
        officer = await session.scalar(select(Officer).where(Officer.collar_number == "P311"))
        for day in (old_day, kept_day):
            session.add(
                AttendanceAnswer(
                    officer_id=officer.id, team_id=officer.team_id, day=day, attendance="remote"
                )
            )
            for status in (DeliveryStatus.SENT, DeliveryStatus.PENDING):
                session.add(
                    Delivery(
                        key=f"x:{day}:{status.value}",
                        job="x",
                        officer_id=officer.id,
                        day=day,
                        payload={},
                        status=status.value,
                    )
                )
        session.add(
            ProcessedActivity(
                channel="msteams", activity_id="old", received_at=now - timedelta(days=8)
            )
        )
        session.add(
            ProcessedActivity(
                channel="msteams", activity_id="new", received_at=now - timedelta(days=6)
            )
        )

    result = await record_due(
        sessions=sessions, jobs=router.jobs, settings=fast, name=PURGE, now=now, clock=Clock(now)
    )

    assert result.occurrences == 1
    async with sessions() as session:
        assert (await session.scalars(select(AttendanceAnswer.day))).all() == [kept_day]
        left = set((await session.execute(select(Delivery.day, Delivery.status))).all())
        assert left == {
            (old_day, DeliveryStatus.PENDING.value),
            (kept_day, DeliveryStatus.SENT.value),
            (kept_day, DeliveryStatus.PENDING.value),
        }
        assert (await session.scalars(select(ProcessedActivity.activity_id))).all() == ["new"]
    names = {table.name for table, _ in retained_tables()}
    assert {"attendance_answers", "away_periods", "bwv_answers"} <= names


async def pcso_bot(database_url: str, *args: str, **settings: str) -> tuple[int, str, str]:
    env = {**os.environ, "DATABASE_URL": database_url, **settings}
    env.pop("MicrosoftAppId", None)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        *args,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    return process.returncode or 0, out.decode(), err.decode()


async def test_jobs_list_shows_each_teams_next_run_in_local_time(database_url, sample_roster):
    from dialogs import build_router

    code, out, err = await pcso_bot(database_url, "jobs", "list")

    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].split() == ["JOB", "TEAM", "NEXT", "RUN", "(Europe/London)"]
    jobs = build_router().jobs
    expected = sum(2 if job.per_team else 1 for job in jobs.values())
    assert len(lines) == 1 + expected
    purge = next(line for line in lines if line.startswith(PURGE))
    assert "all teams" in purge and "02:30" in purge
    assert "briefing-prompts" in jobs
    prompts = [line for line in lines if line.startswith("briefing-prompts ")]
    assert len(prompts) == 2 and all(" 08:00 G" in p or " 08:00 B" in p for p in prompts)


async def test_jobs_run_at_an_instant_sends_what_is_due_once(
    database_url, sample_roster, teams_user, connector: FakeConnector, sessions
):
    from dialogs import build_router

    assert "briefing-prompts" in build_router().jobs
    installed = [row for row in sample_roster if "Maidstone PSTF" in row.teams]
    users = [teams_user(row) for row in installed if row.role in ("pcso", "team_leader")]
    for user in users:
        await user.install()
    connector.clear()
    # --force: these instants are fixed, and the suite must pass whatever the machine's date
    # (a fixed instant may be later than the machine's now, which is refused without it).
    run = ("jobs", "run", "briefing-prompts", "--team", "Maidstone PSTF", "--force", "--at")

    code, out, err = await pcso_bot(database_url, *run, "2026-12-01T07:59")
    assert code == 0, err
    assert "0 occurrence(s) due" in out

    code, out, err = await pcso_bot(database_url, *run, "2026-12-01T08:05")
    assert code == 0, err
    assert f"{len(users)} delivery(ies) recorded" in out
    assert "Tue 2026-12-01 08:05 GMT" in out
    assert {u.conversation_id: len(connector.to(u.conversation_id)) for u in users} == {
        u.conversation_id: 1 for u in users
    }

    code, out, err = await pcso_bot(database_url, *run, "2026-12-01T08:50")
    assert code == 0, err
    assert "0 delivery(ies) recorded" in out
    assert len(connector.messages()) == len(users)
    async with sessions() as session:
        statuses = (await session.scalars(select(Delivery.status))).all()
    assert set(statuses) == {DeliveryStatus.SENT.value}


async def pstf_installed(sample_roster, teams_user, connector: FakeConnector) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The Maidstone PSTF members who get the briefing prompt, installed: their conversations."""
    conversations = {}
    for row in sample_roster:
        if "Maidstone PSTF" in row.teams and row.role in ("pcso", "team_leader"):
            user = teams_user(row)
            await user.install()
            conversations[row.collar_number] = user.conversation_id
    connector.clear()
    return conversations


async def delivery_to(sessions, collar: str) -> Delivery:  # type: ignore[no-untyped-def]
    async with sessions() as session:
        return await session.scalar(
            select(Delivery).join(Officer).where(Officer.collar_number == collar)
        )


# --force: the instant is fixed, so it may be later than the machine's now.
PSTF_PROMPTS = ("jobs", "run", "briefing-prompts", "--team", "Maidstone PSTF", "--force")
PSTF_PROMPTS += ("--at", "2026-12-01T08:05")


async def test_jobs_run_leaves_a_long_retry_to_the_service_and_says_so(
    database_url, sample_roster, teams_user, connector: FakeConnector, sessions
):
    conversations = await pstf_installed(sample_roster, teams_user, connector)
    connector.fail(conversations["P311"], 503, times=50)  # P311 cannot be reached

    # The first retry is 10-20 s away: more than `jobs run` waits without --wait.
    code, out, err = await pcso_bot(database_url, *PSTF_PROMPTS, PCSO_DELIVERY_BACKOFF_SECONDS="20")

    assert code == 0, err
    assert (
        "briefing-prompts as of Tue 2026-12-01 08:05 GMT: 1 occurrence(s) due, "
        "3 delivery(ies) recorded, 2 sent, 0 failed, 1 left for the service to retry\n"
    ) in out
    assert "left for the service to retry: P311 (Teams answered 503" in out
    assert "add --wait" in out
    assert "attempt 1 of 6 failed (Teams answered 503" in err
    assert "left for the delivery worker to retry in" in err and "retrying in" not in err
    people = {row.collar_number: row for row in sample_roster}
    for row in people.values():  # no names or e-mail addresses, only collar numbers
        assert row.name not in out + err and row.email not in out + err
    left = await delivery_to(sessions, "P311")
    assert (left.status, left.attempts) == (DeliveryStatus.PENDING.value, 1)
    assert left.not_before > left.created_at  # still due, from its next attempt
    assert "503" in left.error and left.claimed_by is None
    assert len([r for r in connector.requests if r.conversation_id == conversations["P311"]]) == 1
    assert len(connector.messages()) == 2


async def test_jobs_run_with_wait_retries_up_to_the_maximum(
    database_url, sample_roster, teams_user, connector: FakeConnector, sessions
):
    conversations = await pstf_installed(sample_roster, teams_user, connector)
    connector.fail(conversations["P311"], 503, times=50)

    code, out, err = await pcso_bot(
        database_url,
        *PSTF_PROMPTS,
        "--wait",
        PCSO_DELIVERY_MAX_ATTEMPTS="3",
        PCSO_DELIVERY_BACKOFF_SECONDS="0.01",
        PCSO_DELIVERY_BACKOFF_MAX_SECONDS="0.05",
    )

    assert code == 0, err
    assert "3 delivery(ies) recorded, 2 sent, 1 failed\n" in out
    assert "failed: P311 (gave up after 3 attempt(s); last: Teams answered 503" in out
    attempts = [line for line in err.splitlines() if " attempt " in line]
    assert len(attempts) == 3
    assert "attempt 1 of 3 failed (Teams answered 503" in attempts[0]
    assert attempts[0].endswith("s") and "; retrying in " in attempts[0]
    assert "attempt 2 of 3 failed" in attempts[1] and "; retrying in " in attempts[1]
    assert "attempt 3 of 3 failed" in attempts[2] and attempts[2].endswith("; giving up")
    failed = await delivery_to(sessions, "P311")
    assert (failed.status, failed.attempts) == (DeliveryStatus.FAILED.value, 3)
    assert len([r for r in connector.requests if r.conversation_id == conversations["P311"]]) == 3


async def test_jobs_run_refuses_an_instant_later_than_now_unless_forced(
    database_url, sample_roster, sessions
):
    later = ("jobs", "run", "briefing-prompts", "--team", "Maidstone PSTF")
    later += ("--at", "2100-01-04T08:05")  # a Monday; later than now on any machine running this

    code, out, err = await pcso_bot(database_url, *later)
    assert code == 2
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "Mon 2100-01-04 08:05 GMT is later than now" in err and "--force" in err
    async with sessions() as session:
        assert (await session.scalars(select(Delivery.day))).all() == []

    code, out, err = await pcso_bot(database_url, *later, "--force")
    assert code == 0, err
    assert "briefing-prompts as of Mon 2100-01-04 08:05 GMT: 1 occurrence(s) due" in out
    async with sessions() as session:
        assert set((await session.scalars(select(Delivery.day))).all()) == {date(2100, 1, 4)}


async def test_jobs_run_refuses_an_unknown_job_team_or_instant(database_url, sample_roster):
    code, _, err = await pcso_bot(database_url, "jobs", "run", "no-such-job")
    assert code == 2 and "unknown job 'no-such-job'" in err
    code, _, err = await pcso_bot(database_url, "jobs", "run", PURGE, "--team", "Nowhere")
    assert code == 2 and "unknown team 'Nowhere'" in err
    code, _, err = await pcso_bot(database_url, "jobs", "run", PURGE, "--at", "tuesday")
    assert code == 2 and "not an ISO-8601 date and time" in err


async def test_health_reports_the_scheduler_and_the_delivery_worker(start_bot, http):
    bot_url = await start_bot(scheduler_enabled=True)
    async with http.get(f"{bot_url}/healthz") as response:
        health = await response.json()
    assert response.status == 200
    assert health["scheduler"]["running"] is True
    assert health["scheduler"]["timezone"] == "Europe/London"
    assert health["delivery"]["running"] is True
    assert health["delivery"]["in_flight"] == 0
