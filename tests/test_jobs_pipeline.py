"""The shared job path: record due deliveries once, deliver them proactively over HTTP."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from bot.delivery import Result
from bot.jobs import run_job, standalone_outbox
from dialogs.core import Card, Reply
from dialogs.jobs import Job, JobContext
from storage import officers, outbox


async def _hello_members(context: JobContext) -> int:
    recorded = 0
    for member in await officers.members(context.session, context.team.id):
        reply = Reply(card=Card(title=f"Hello {member.name} for {context.day.isoformat()}"))
        recorded += await outbox.enqueue(
            context.session,
            job="hello",
            officer_id=member.id,
            team_id=context.team.id,
            day=context.day,
            payload=reply.to_dict(),
            now=context.recorded_at,
        )
    return recorded


HELLO = Job(
    name="hello",
    run=_hello_members,
    due=lambda team, day: time(8, 0) if day.weekday() < 5 else None,
    grace=timedelta(hours=1),
)


async def test_due_job_is_delivered_once_to_reachable_members(
    sample_roster, teams_user, connector, sessions, settings, bot_url, clock
):
    reachable = {"P311", "P312", "TL202"}
    for row in sample_roster:
        if row.collar_number in reachable:
            await teams_user(row).install()
    connector.clear()
    jobs = {"hello": HELLO}
    box = standalone_outbox(sessions, settings, clock)
    at = datetime(2026, 12, 1, 8, 5, tzinfo=UTC)  # Tuesday 08:05 GMT
    first = await run_job(
        sessions=sessions,
        jobs=jobs,
        settings=settings,
        outbox=box,
        name="hello",
        now=at,
        team="Maidstone PSTF",
    )
    assert (first.run.recorded, first.sent, first.failed) == (3, 3, 0)
    titles = sorted(s.card["body"][0]["text"] for s in connector.messages())
    assert titles == [
        "Hello Casey Morgan for 2026-12-01",
        "Hello Jamie Reid for 2026-12-01",
        "Hello Taylor Brooks for 2026-12-01",
    ]
    again = await run_job(
        sessions=sessions,
        jobs=jobs,
        settings=settings,
        outbox=box,
        name="hello",
        now=at + timedelta(minutes=10),
        team="Maidstone PSTF",
    )
    assert (again.run.recorded, again.sent) == (0, 0)
    assert len(connector.messages()) == 3


async def test_not_yet_due_and_past_grace_send_nothing(sample_roster, sessions, settings, clock):
    jobs = {"hello": HELLO}
    box = standalone_outbox(sessions, settings, clock)
    for at in (datetime(2026, 12, 1, 7, 59, tzinfo=UTC), datetime(2026, 12, 1, 9, 0, tzinfo=UTC)):
        result = await run_job(
            sessions=sessions, jobs=jobs, settings=settings, outbox=box, name="hello", now=at
        )
        assert result.run.occurrences == 0, at
    assert date(2026, 12, 1).weekday() == 1


async def test_the_result_counts_what_was_sent_failed_and_left_for_the_service(
    sample_roster, teams_user, connector, sessions, settings, clock
):
    users = {}
    for row in sample_roster:
        if row.collar_number in ("P311", "P312", "TL202"):
            users[row.collar_number] = teams_user(row)
            await users[row.collar_number].install()
    connector.clear()
    connector.fail(users["P311"].conversation_id, 503, times=20)  # retried: first wait 10-20 s
    connector.fail(users["P312"].conversation_id, 400)  # a final answer
    slow = settings.model_copy(update={"delivery_backoff_seconds": 20.0})

    result = await run_job(
        sessions=sessions,
        jobs={"hello": HELLO},
        settings=slow,
        outbox=standalone_outbox(sessions, slow, clock),
        name="hello",
        now=datetime(2026, 12, 1, 8, 5, tzinfo=UTC),
        team="Maidstone PSTF",
        wait_up_to=5.0,
    )

    assert (result.run.occurrences, result.run.recorded) == (1, 3)
    assert (result.sent, result.failed, result.left, result.expired) == (1, 1, 1, 0)
    problems = {p.collar: (p.result, p.reason.split(" (")[0]) for p in result.problems}
    assert problems == {
        "P311": (Result.LEFT, "Teams answered 503"),
        "P312": (Result.FAILED, "Teams answered 400"),
    }
    assert len(connector.messages()) == 1
