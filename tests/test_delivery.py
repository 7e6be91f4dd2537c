"""Proactive delivery through the outbox, against the fake Bot Connector over real HTTP.

Teams' limits, retries, 429/503 storms, conversations that are gone, leases and several
instances; on SQLite and PostgreSQL. Retry waits are made small through the settings.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot import wiring
from bot.channels.base import ChannelSender
from bot.delivery import DeliveryWorker, Outbox, Result
from bot.jobs import record_due, run_job, standalone_outbox
from bot.limits import backoff, parse_retry_after, seconds_to_wait
from bot.settings import Settings
from dialogs import jobs as jobs_kernel
from dialogs.jobs import JobContext
from storage import officers
from storage import outbox as outbox_rows
from storage.db import create_engine, create_sessionmaker
from storage.models import ConversationRef, Delivery, DeliveryStatus, Officer
from tests.rig.connector import FakeConnector
from tests.rig.fanout import AT, JOB, PROMPTS, TENANT, conversation_id, fan_out, prompt, seed
from tests.rig.officer_day import Clock


@pytest.fixture
def fast(settings: Settings) -> Settings:
    """Settings with retries in hundredths of a second and no pacing to speak of."""
    return settings.model_copy(
        update={
            "delivery_backoff_seconds": 0.01,
            "delivery_backoff_max_seconds": 0.05,
            "tenant_rate": 1000.0,
            "conversation_rate": 1000.0,
            "delivery_timeout_seconds": 5.0,
            "delivery_lease_seconds": 30.0,
        }
    )


async def rows(sessions) -> dict[str, Delivery]:  # type: ignore[no-untyped-def]
    """Deliveries by conversation id of their officer's reference."""
    async with sessions() as session:
        found = await session.execute(
            select(Delivery, ConversationRef.conversation_id).join(
                ConversationRef, ConversationRef.officer_id == Delivery.officer_id
            )
        )
        return {conversation: delivery for delivery, conversation in found}


async def officer_of(sessions, conversation: str) -> Officer:  # type: ignore[no-untyped-def]
    async with sessions() as session:
        return await session.scalar(
            select(Officer)
            .join(ConversationRef, ConversationRef.officer_id == Officer.id)
            .where(ConversationRef.conversation_id == conversation)
        )


def window_peak(times: list[float]) -> int:
    """The most requests in any one-second window."""
    times = sorted(times)
    start, peak = 0, 0
    for end, at in enumerate(times):
        while at - times[start] >= 1.0:
            start += 1
        peak = max(peak, end - start + 1)
    return peak


async def test_every_officer_gets_the_prompt_once_through_429_and_503_storms(
    sessions, fast, connector: FakeConnector
):
    conversations = await seed(sessions, 24, connector.url)
    for number in range(0, 24, 3):
        connector.fail(conversation_id(number), 503, times=2)
    for number in range(1, 24, 3):
        connector.fail(conversation_id(number), 429, times=2, **{"Retry-After": "0.05"})
    for number in range(2, 24, 6):
        connector.fail(conversation_id(number), 502, times=1)
        connector.fail(conversation_id(number), 504, times=1)
        connector.fail(conversation_id(number), 412, times=1)

    result = await fan_out(sessions, fast, AT, Clock(AT))

    assert (result.run.recorded, result.sent, result.failed) == (24, 24, 0)
    assert connector.delivered == Counter(dict.fromkeys(conversations, 1))
    delivered = await rows(sessions)
    assert {d.status for d in delivered.values()} == {DeliveryStatus.SENT.value}
    assert delivered[conversation_id(0)].attempts == 3
    assert delivered[conversation_id(1)].attempts == 3
    assert delivered[conversation_id(2)].attempts == 4
    assert delivered[conversation_id(5)].attempts == 1
    assert all(d.sent_activity_id for d in delivered.values())
    again = await fan_out(sessions, fast, AT + timedelta(minutes=5), Clock(AT))
    assert (again.run.recorded, again.sent) == (0, 0)
    assert sum(connector.delivered.values()) == 24


async def test_retry_after_is_honoured_for_the_whole_tenant(
    sessions, fast, connector: FakeConnector
):
    await seed(sessions, 3, connector.url)
    connector.fail(conversation_id(0), 429, times=1, **{"Retry-After": "1"})
    slow = fast.model_copy(update={"tenant_rate": 10.0})  # 0.1 s apart

    await fan_out(sessions, slow, AT, Clock(AT))

    throttled_at = connector.throttled()[0].at
    # Requests already on their way when the 429 came back may still land just after it;
    # nothing else may arrive until Retry-After has passed.
    in_flight_slack = 0.25
    landed = [r.at - throttled_at for r in connector.requests if r.at > throttled_at]
    assert landed and max(landed) >= 1.0
    assert not [t for t in landed if in_flight_slack < t < 1.0], landed
    assert sum(connector.delivered.values()) == 3


async def test_attempts_are_bounded_then_failed_with_the_reason(
    sessions, fast, connector: FakeConnector
):
    await seed(sessions, 2, connector.url)
    connector.fail(conversation_id(0), 503, times=10)
    connector.fail(conversation_id(1), 400, times=1)
    bounded = fast.model_copy(update={"delivery_max_attempts": 3})

    result = await fan_out(sessions, bounded, AT, Clock(AT))

    assert (result.sent, result.failed) == (0, 2)
    delivered = await rows(sessions)
    storm, refused = delivered[conversation_id(0)], delivered[conversation_id(1)]
    assert storm.status == refused.status == DeliveryStatus.FAILED.value
    assert storm.attempts == 3 and "gave up after 3 attempt(s)" in storm.error
    assert "503" in storm.error
    assert refused.attempts == 1 and "Teams answered 400" in refused.error
    assert len([r for r in connector.requests if r.conversation_id == conversation_id(0)]) == 3
    assert (await officer_of(sessions, conversation_id(0))).unreachable_since is None


def said(caplog: pytest.LogCaptureFixture, *, level: int = logging.INFO) -> list[str]:
    """What the delivery code logged at `level` or above."""
    return [
        r.getMessage()
        for r in caplog.records
        if r.levelno >= level and r.name.startswith(("bot.", "dialogs.", "storage."))
    ]


def no_personal_data(lines: list[str]) -> None:
    """Bench officers are "Bench Officer N" <bench.N@police.example>: neither may be logged."""
    assert not [line for line in lines if "Bench Officer" in line or "@police" in line]


async def test_attempts_are_counted_in_the_log_and_the_last_gives_up(
    sessions, fast, connector: FakeConnector, caplog
):
    await seed(sessions, 1, connector.url)
    connector.fail(conversation_id(0), 503, times=10)
    bounded = fast.model_copy(update={"delivery_max_attempts": 3})
    caplog.set_level(logging.INFO)

    result = await fan_out(sessions, bounded, AT, Clock(AT))

    assert (result.sent, result.failed, result.left) == (0, 1, 0)
    lines = [line for line in said(caplog) if " attempt" in line]
    assert [line.split(" attempt ")[1].split(" failed")[0] for line in lines[:3]] == [
        "1 of 3",
        "2 of 3",
        "3 of 3",
    ]
    assert "(Teams answered 503 (Injected) injected 503); retrying in " in lines[0]
    assert "; retrying in " in lines[1]
    assert lines[2].endswith(
        "attempt 3 of 3 failed (Teams answered 503 (Injected) injected 503); giving up"
    )
    assert "failed: gave up after 3 attempt(s); last: Teams answered 503" in lines[3]
    assert not [line for line in said(caplog) if "of 3" in line and "4" in line.split(" of ")[0]]
    [problem] = result.problems
    assert (problem.collar, problem.result) == ("B00000", Result.FAILED)
    no_personal_data(said(caplog))


async def test_a_retry_not_waited_for_is_left_and_the_worker_goes_on_counting(
    sessions, fast, connector: FakeConnector, caplog
):
    await seed(sessions, 2, connector.url)
    connector.fail(conversation_id(0), 503, times=10)
    bounded = fast.model_copy(
        update={
            "delivery_max_attempts": 3,
            "delivery_backoff_seconds": 20.0,
            "delivery_backoff_max_seconds": 60.0,
        }
    )
    caplog.set_level(logging.INFO)
    await record_due(
        sessions=sessions, jobs={JOB: PROMPTS}, settings=bounded, name=JOB, now=AT, clock=Clock(AT)
    )

    first = await standalone_outbox(sessions, bounded, Clock(AT)).drain(wait_up_to=5.0)

    assert (first.sent, first.failed, first.left) == (1, 0, 1)
    [problem] = first.problems
    assert (problem.collar, problem.result) == ("B00000", Result.LEFT)
    assert problem.retry_at is not None and AT + timedelta(seconds=10) <= problem.retry_at
    left = (await rows(sessions))[conversation_id(0)]
    assert (left.status, left.attempts, left.claimed_by) == (DeliveryStatus.PENDING.value, 1, None)
    assert left.not_before == problem.retry_at
    [left_line] = [line for line in said(caplog) if " attempt " in line]
    assert "attempt 1 of 3 failed (Teams answered 503" in left_line
    assert left_line.endswith(
        f"left for the delivery worker to retry in {(problem.retry_at - AT).total_seconds():.1f}s"
    )
    early = await standalone_outbox(sessions, bounded, Clock(AT)).drain(wait_up_to=5.0)
    assert (early.sent, early.failed, early.left) == (0, 0, 0)  # not due again yet

    # The service's delivery worker, once it is due: waits out every retry, counting on.
    caplog.clear()
    quick = bounded.model_copy(
        update={"delivery_backoff_seconds": 0.01, "delivery_backoff_max_seconds": 0.05}
    )
    worker = await standalone_outbox(sessions, quick, Clock(problem.retry_at)).drain()

    assert (worker.sent, worker.failed, worker.left) == (0, 1, 0)
    lines = said(caplog)
    assert lines[0].endswith("resumed after 1 of 3 attempt(s)")
    assert "attempt 2 of 3 failed" in lines[1] and "; retrying in " in lines[1]
    assert "attempt 3 of 3 failed" in lines[2] and lines[2].endswith("; giving up")
    failed = (await rows(sessions))[conversation_id(0)]
    assert (failed.status, failed.attempts) == (DeliveryStatus.FAILED.value, 3)
    assert "gave up after 3 attempt(s)" in failed.error
    assert len([r for r in connector.requests if r.conversation_id == conversation_id(0)]) == 3
    no_personal_data(said(caplog))


async def _prompt_members(context: JobContext) -> int:
    """The bench prompt recorded as the workflows record theirs (`fan_out`): with the
    instant its window closes."""
    assert context.team is not None
    members = await officers.members(context.session, context.team.id)
    reply = prompt(context.day.isoformat())
    return len(await jobs_kernel.fan_out(context, job=JOB, to=members, reply=reply))


TIMELY = replace(PROMPTS, run=_prompt_members)  # due 08:00, its window an hour


async def test_a_job_delivery_is_not_sent_once_its_moment_has_passed(
    sessions, fast, connector: FakeConnector
):
    await seed(sessions, 3, connector.url)
    await record_due(
        sessions=sessions, jobs={JOB: TIMELY}, settings=fast, name=JOB, now=AT, clock=Clock(AT)
    )  # then the service was down until 09:01

    result = await standalone_outbox(sessions, fast, Clock(AT + timedelta(minutes=61))).drain()

    assert (result.sent, result.failed, result.expired) == (0, 0, 3)
    assert connector.requests == []
    expired = list((await rows(sessions)).values())
    assert {d.status for d in expired} == {DeliveryStatus.FAILED.value}
    assert {d.error for d in expired} == {"not sent: its moment passed at 09:00 GMT"}
    assert {d.attempts for d in expired} == {0}


async def test_a_run_as_of_an_earlier_instant_has_what_was_left_of_its_window(
    sessions, fast, connector: FakeConnector
):
    await seed(sessions, 2, connector.url)
    next_day = Clock(AT + timedelta(days=1))  # `jobs run --at` yesterday's 08:40, sent today
    await record_due(
        sessions=sessions,
        jobs={JOB: TIMELY},
        settings=fast,
        name=JOB,
        now=AT + timedelta(minutes=40),
        clock=next_day,
    )
    send_by = next_day.now + timedelta(minutes=20)  # the 20 minutes left at 08:40
    recorded = list((await rows(sessions)).values())
    assert {d.send_by for d in recorded} == {send_by}

    late = await standalone_outbox(sessions, fast, Clock(send_by)).drain()
    assert (late.sent, late.expired) == (0, 2)


async def test_a_retry_that_would_come_after_its_moment_is_not_made(
    sessions, fast, connector: FakeConnector
):
    await seed(sessions, 1, connector.url)
    connector.fail(conversation_id(0), 503, times=10)
    slow = fast.model_copy(
        update={"delivery_backoff_seconds": 600.0, "delivery_backoff_max_seconds": 3600.0}
    )
    await record_due(
        sessions=sessions,
        jobs={JOB: TIMELY},
        settings=slow,
        name=JOB,
        now=AT + timedelta(minutes=55),
        clock=Clock(AT + timedelta(minutes=55)),
    )

    result = await standalone_outbox(sessions, slow, Clock(AT + timedelta(minutes=55))).drain()

    assert (result.sent, result.failed, result.expired) == (0, 0, 1)
    [expired] = (await rows(sessions)).values()
    assert expired.attempts == 1 and expired.error.startswith(
        "not sent: its moment passed at 09:00 GMT; last attempt: Teams answered 503"
    )


async def test_a_gone_conversation_is_reopened_once_and_the_new_one_remembered(
    sessions, fast, connector: FakeConnector
):
    await seed(sessions, 2, connector.url)
    connector.fail(conversation_id(0), 403, times=1)

    result = await fan_out(sessions, fast, AT, Clock(AT))

    assert (result.sent, result.failed) == (2, 0)
    [created] = connector.created
    assert created["members"] == [{"id": "29:bench-0"}]
    assert created["tenantId"] == created["channelData"]["tenant"]["id"] == TENANT
    new_conversation = next(c for c in connector.delivered if c.startswith("created-"))
    assert connector.delivered[conversation_id(0)] == 0
    async with sessions() as session:
        reference = await session.scalar(
            select(ConversationRef).where(ConversationRef.conversation_id == new_conversation)
        )
        delivery = await session.scalar(
            select(Delivery).where(Delivery.officer_id == reference.officer_id)
        )
    assert reference.reference["conversation"]["id"] == new_conversation
    assert delivery.conversation_id == new_conversation
    assert delivery.status == DeliveryStatus.SENT.value


async def test_an_officer_who_cannot_be_reached_is_marked_and_not_retried(
    sessions, fast, connector: FakeConnector
):
    await seed(sessions, 2, connector.url)
    connector.fail(conversation_id(0), 404, times=1)
    connector.fail_create(403)

    result = await fan_out(sessions, fast, AT, Clock(AT))

    assert (result.sent, result.failed) == (1, 1)
    officer = await officer_of(sessions, conversation_id(0))
    assert officer.unreachable_since is not None
    assert "Teams answered 404" in officer.unreachable_reason
    assert "opening a new conversation failed" in officer.unreachable_reason
    failed = (await rows(sessions))[conversation_id(0)]
    assert failed.status == DeliveryStatus.FAILED.value and failed.attempts == 2


async def test_unreachable_officers_are_listed_in_the_sergeants_review(
    sample_roster, teams_user, connector: FakeConnector, sessions, fast
):
    from dialogs import build_router

    jobs = build_router().jobs
    assert "morning-review" in jobs
    by_collar = {row.collar_number: row for row in sample_roster}
    pcso = teams_user(by_collar["P311"])
    await pcso.install()
    await teams_user(by_collar["S101"]).install()
    async with sessions() as session, session.begin():
        officer = await session.scalar(select(Officer).where(Officer.collar_number == "P311"))
        await outbox_rows.enqueue(
            session,
            job="test-notice",
            officer_id=officer.id,
            day=AT.date(),
            now=AT,
            payload=prompt("today").to_dict(),
        )
    connector.clear()
    connector.fail(pcso.conversation_id, 403)
    connector.fail_create(404)
    box = standalone_outbox(sessions, fast, Clock(AT))
    assert (await box.drain()).failed == 1

    review = await run_job(
        sessions=sessions,
        jobs=jobs,
        settings=fast,
        outbox=box,
        name="morning-review",
        now=AT + timedelta(minutes=35),
        team="Maidstone PSTF",
    )

    assert review.sent >= 1
    seen = "\n".join(str(s.activity) for s in connector.messages())
    assert "Cannot reach" in seen and "Taylor Brooks" in seen


async def test_no_conversation_reference_fails_and_marks_the_officer(
    sample_roster, sessions, fast, connector: FakeConnector
):
    async with sessions() as session, session.begin():
        officer = await session.scalar(select(Officer).where(Officer.collar_number == "P301"))
        await outbox_rows.enqueue(
            session,
            job="test-notice",
            officer_id=officer.id,
            day=AT.date(),
            now=AT,
            payload=prompt("today").to_dict(),
        )
    result = await standalone_outbox(sessions, fast, Clock(AT)).drain()
    assert (result.sent, result.failed) == (0, 1)
    async with sessions() as session:
        officer = await session.scalar(select(Officer).where(Officer.collar_number == "P301"))
        assert "has not installed the bot" in officer.unreachable_reason


async def test_sends_are_concurrent_and_keep_to_the_tenant_rate(
    sessions, fast, connector: FakeConnector
):
    await seed(sessions, 30, connector.url)
    connector.tenant_limit = 20
    connector.latency = 0.15  # several sends in flight at 16 a second
    # Paced a fifth under the connector's limit: arrival times jitter on a busy machine,
    # and what is under test is the pacing, not a race at the exact limit.
    paced = fast.model_copy(update={"tenant_rate": 16.0})

    result = await fan_out(sessions, paced, AT, Clock(AT))

    assert result.sent == 30
    assert connector.throttled() == []
    assert window_peak([r.at for r in connector.requests]) <= 20
    assert connector.peak_in_flight >= 2


async def test_sends_keep_to_the_conversation_rate(sessions, fast, connector: FakeConnector):
    await seed(sessions, 1, connector.url)
    async with sessions() as session, session.begin():
        officer_id = await session.scalar(select(Officer.id))
        for number in range(12):
            await outbox_rows.enqueue(
                session,
                job="test-notice",
                officer_id=officer_id,
                day=AT.date(),
                suffix=str(number),
                now=AT,
                payload=prompt(f"notice {number}").to_dict(),
            )
    connector.conversation_limit = 7
    paced = fast.model_copy(update={"conversation_rate": 5.5})  # a margin under the limit

    result = await standalone_outbox(sessions, paced, Clock(AT)).drain()

    assert result.sent == 12
    assert connector.throttled() == []
    assert window_peak([r.at for r in connector.requests]) <= 7


async def test_a_claim_left_by_a_crashed_instance_is_sent_after_its_lease(
    sessions, fast, connector: FakeConnector
):
    await seed(sessions, 5, connector.url)
    await record_due(
        sessions=sessions, jobs={JOB: PROMPTS}, settings=fast, name=JOB, now=AT, clock=Clock(AT)
    )
    crashed = Outbox(sessions=sessions, senders=_senders(fast), settings=fast, clock=lambda: AT)
    assert len(await crashed._claim(10)) == 5  # claimed, then the instance "dies"

    early = AT + timedelta(seconds=fast.delivery_lease_seconds - 1)
    late = AT + timedelta(seconds=fast.delivery_lease_seconds + 1)
    survivor = Outbox(sessions=sessions, senders=_senders(fast), settings=fast, clock=lambda: early)
    assert (await survivor.drain()).sent == 0
    survivor = Outbox(sessions=sessions, senders=_senders(fast), settings=fast, clock=lambda: late)
    assert (await survivor.drain()).sent == 5
    assert sum(connector.delivered.values()) == 5


async def test_a_claim_taken_over_after_its_lease_is_not_sent_by_its_first_owner(
    sessions, fast, connector: FakeConnector
):
    await seed(sessions, 3, connector.url)
    await record_due(
        sessions=sessions, jobs={JOB: PROMPTS}, settings=fast, name=JOB, now=AT, clock=Clock(AT)
    )
    slow = Outbox(sessions=sessions, senders=_senders(fast), settings=fast, clock=lambda: AT)
    claims = await slow._claim(10)
    late = AT + timedelta(seconds=fast.delivery_lease_seconds + 1)
    other = Outbox(sessions=sessions, senders=_senders(fast), settings=fast, clock=lambda: late)
    assert (await other.drain()).sent == 3

    outcomes = [(await slow._deliver(claim)).result for claim in claims]

    assert outcomes == [Result.DROPPED] * 3
    assert sum(connector.delivered.values()) == 3


async def test_stopping_mid_drain_hands_unsent_claims_back(
    sessions, fast, connector: FakeConnector
):
    await seed(sessions, 20, connector.url)
    await record_due(
        sessions=sessions, jobs={JOB: PROMPTS}, settings=fast, name=JOB, now=AT, clock=Clock(AT)
    )
    paced = fast.model_copy(update={"tenant_rate": 10.0})
    box = Outbox(sessions=sessions, senders=_senders(paced), settings=paced, clock=Clock(AT))
    draining = asyncio.create_task(box.drain())
    async with asyncio.timeout(10):
        await connector.until_delivered(3)
    draining.cancel()
    with pytest.raises(asyncio.CancelledError):
        await draining

    statuses = Counter(d.status for d in (await rows(sessions)).values())
    assert statuses[DeliveryStatus.SENDING.value] <= 1  # at most the send under way
    assert statuses[DeliveryStatus.PENDING.value] >= 15

    late = lambda: AT + timedelta(days=1)  # noqa: E731 - past any lease
    rest = Outbox(sessions=sessions, senders=_senders(fast), settings=fast, clock=late)
    await rest.drain()
    assert len(connector.delivered) == 20
    assert sum(connector.delivered.values()) - 20 <= statuses[DeliveryStatus.SENDING.value]


async def test_two_instances_on_one_database_each_send_different_rows(
    database_url, sessions, fast, connector: FakeConnector
):
    conversations = await seed(sessions, 80, connector.url)
    await record_due(
        sessions=sessions, jobs={JOB: PROMPTS}, settings=fast, name=JOB, now=AT, clock=Clock(AT)
    )
    connector.latency = 0.3  # the first claim is still sending when the second instance starts
    engines = [create_engine(database_url) for _ in range(2)]
    try:
        boxes = [
            Outbox(
                sessions=create_sessionmaker(engine),
                senders=_senders(fast),
                settings=fast.model_copy(update={"instance_name": f"instance-{n}"}),
                clock=Clock(AT),
            )
            for n, engine in enumerate(engines)
        ]
        results = await asyncio.gather(*(box.drain() for box in boxes))
    finally:
        for engine in engines:
            await engine.dispose()

    assert sum(r.sent for r in results) == 80
    assert all(r.sent > 0 for r in results), results
    assert connector.delivered == Counter(dict.fromkeys(conversations, 1))
    claimers = {d.claimed_by.split("/")[0] for d in (await rows(sessions)).values()}
    assert claimers == {"instance-0", "instance-1"}


def _senders(settings: Settings) -> dict[str, ChannelSender]:
    return wiring.senders(wiring.standalone_channels(settings), settings)


def test_retry_after_is_read_as_seconds_or_an_http_date():
    now = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    assert parse_retry_after("2") == 2.0
    assert parse_retry_after("0.25") == 0.25
    until = parse_retry_after("Tue, 01 Dec 2026 08:00:30 GMT")
    assert until == datetime(2026, 12, 1, 8, 0, 30, tzinfo=UTC)
    assert seconds_to_wait(until, now) == 30.0
    assert seconds_to_wait(until, now + timedelta(minutes=1)) == 0.0
    assert seconds_to_wait(2.0, now) == 2.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


def test_backoff_doubles_with_jitter_up_to_its_cap():
    rng = random.Random(20261201)
    for attempt, ceiling in ((1, 1.0), (2, 2.0), (3, 4.0), (8, 60.0)):
        waits = [backoff(attempt, base=1.0, cap=60.0, rng=rng) for _ in range(50)]
        assert all(ceiling / 2 <= wait <= ceiling for wait in waits)
        assert len(set(waits)) > 1


class SwallowingOutbox:
    """An outbox whose round swallows the first cancellation it is sent (as a library
    awaited mid-round might) and then waits again, as a round waiting on a retry does."""

    in_flight = 0

    def __init__(self) -> None:
        self.rounds = 0
        self.swallowed = 0
        self.started = asyncio.Event()

    def clock(self) -> datetime:
        return AT

    async def drain(self) -> None:
        self.rounds += 1
        self.started.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            self.swallowed += 1
        await asyncio.sleep(0.05)


async def test_the_worker_stops_even_when_a_round_swallows_its_cancellation() -> None:
    """The service's shutdown waited for ever once: a cancellation swallowed mid-round left
    the worker going round after round. Now it ends at the end of that round."""
    outbox = SwallowingOutbox()
    worker = DeliveryWorker(outbox, interval=0.01)  # type: ignore[arg-type]
    worker.start()
    worker.wake()
    await asyncio.wait_for(outbox.started.wait(), 5)
    stopping = asyncio.create_task(worker.stop())
    done, _ = await asyncio.wait({stopping}, timeout=5)
    assert stopping in done, "the worker went on after stop()"
    assert not worker.running
    assert outbox.swallowed == 1 and outbox.rounds == 1
