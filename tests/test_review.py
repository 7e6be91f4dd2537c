"""The sergeant's morning review end to end (docs/guide.md, "The morning review"), on SQLite
and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, select, update

from dialogs.review.models import ReviewRead
from dialogs.review.view import load_review
from storage.models import AuditEntry, Officer, Team
from tests.rig.connector import FakeConnector, Sent
from tests.rig.officer_day import Clock, deliver, run
from tests.rig.supervision import joined_long_ago, store
from tests.rig.teams import TeamsUser, action, actions, card_texts

FRIDAY, MONDAY, TUESDAY = date(2026, 11, 27), date(2026, 11, 30), date(2026, 12, 1)
REVIEW_TIME = datetime(2026, 12, 1, 8, 30, tzinfo=UTC)  # 08:30 GMT
CSU, PSTF = "Maidstone CSU North", "Maidstone PSTF"
ZONE = ZoneInfo("Europe/London")


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 11, 30, 9, 0, tzinfo=UTC))


async def monday_tasking_and_returns(leader: TeamsUser, clock: Clock) -> None:
    await leader.submit(
        {
            "verb": "tasking.submit",
            "team": CSU,
            "day": MONDAY.isoformat(),
            "description_1": "Patrol town centre",
            "reference_1": "OSARA-22",
            "assignees_1": "P301, P302",
            "description_2": "Visit shops",
            "reference_2": "CAD 1234",
            "assignees_2": "P303",
            "description_3": "Leaflet drop",
            "assignees_3": "P304",
        }
    )
    clock.now = datetime(2026, 11, 30, 16, 5, tzinfo=UTC)
    await leader.submit(
        {
            "verb": "returns.submit",
            "team": CSU,
            "day": MONDAY.isoformat(),
            "outcome_1": "done",
            "note_1": "All quiet",
            "outcome_2": "part_done",
            "note_2": "Two shops closed",
            "outcome_3": "not_done",
            "cads_attended": "3",
            "themis_updated": "2",
            "intel_submitted": "1",
            "engagements": "12",
            "vulnerable_engagements": "2",
            "notes": "Busy market day",
        }
    )


async def officers_day(sessions) -> None:  # type: ignore[no-untyped-def]
    """Attendance, BWV, away, one-to-ones and settings behind every flag of the review."""
    await joined_long_ago(sessions)
    async with store(sessions) as s:
        for collar in ("P301", "P302", "TL201", "P304"):
            s.attend(collar, FRIDAY, "in_person")
        s.attend("P301", MONDAY, "in_person")
        s.attend("P302", MONDAY, "remote")
        s.attend("TL201", MONDAY, "in_person")
        s.attend("P301", TUESDAY, "in_person")
        s.attend("P302", TUESDAY, "in_person")
        s.attend("P302", TUESDAY, "remote", hour=9)
        s.attend("TL201", TUESDAY, "rest_day")
        s.away("P304", MONDAY, date(2026, 12, 4), "annual_leave")
        s.bwv("P301", MONDAY, "categorised")
        s.bwv("P302", MONDAY, "need_help")
        s.bwv("TL201", MONDAY, "no_footage")
        s.pcso_return("P301", MONDAY, cads_attended=2, vulnerable_engagements=1)
        s.one_to_one("P301", date(2026, 10, 27))  # 35 days before Tuesday: not overdue
        s.one_to_one("P302", date(2026, 10, 26))  # 36 days: overdue
        for collar in ("P303", "P304", "TL201"):
            s.one_to_one(collar, date(2026, 11, 20))
        s.officer["P303"].unreachable_since = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
        s.officer["P303"].unreachable_reason = "403 Forbidden: the app was removed"
        s.team[CSU].supervision_ratio = 6
        s.team[CSU].pcso_returns = True


@pytest.fixture
async def recorded(people, sessions, settings, clock) -> dict[str, TeamsUser]:
    await monday_tasking_and_returns(people["TL201"], clock)
    await deliver(sessions, settings, clock)  # the tasks reach P303 before P303 becomes unreachable
    await officers_day(sessions)
    clock.now = REVIEW_TIME + timedelta(minutes=15)
    return people


ATTENTION = (
    "Cannot reach Morgan Hughes (P303) since Mon 30 Nov 2026 (Teams says the app was removed)",
    "No briefing answers (for discussion): Morgan Hughes (P303), 20 days",
    "Asked for help with BWV on Mon 30 Nov 2026: Jordan Patel (P302)",
    "No PCSO return for Mon 30 Nov 2026: Jordan Patel, Morgan Hughes",
    "Tasks not done on Mon 30 Nov 2026: task 2 (part done), task 3 (not done)",
    "No BWV answer for Mon 30 Nov 2026: Morgan Hughes",
    "One-to-one overdue: Jordan Patel (P302) (last Mon 26 Oct 2026, 36 days ago)",
    "Engagements with vulnerable people on Mon 30 Nov 2026: team return 2, Alex Carter (P301) 1 "
    "(each return counts its own; the team return may include the PCSOs'). "
    'Check the footage is categorised "Vulnerable person concern – no offence disclosed".',
    "Supervision: Chris Walker (S101) oversees 8 PCSOs (5 in Maidstone CSU North, "
    "3 in Maidstone PSTF), more than the ratio of 6.",
)
"""Every exception, most urgent kind first: the whole of "Needs your attention"."""
TALLY = "9 need your attention · briefing 3 of 4 answered · returns in · BWV 3 of 4 answered"
DETAILS = (
    "Briefing today, Tue 1 Dec 2026",
    "In person: Alex Carter",
    "Remote: Jordan Patel",
    "Rest day: Sam Okafor",
    "Annual leave: Riley Evans (away)",
    "No answer: Morgan Hughes",
    "Tasks and returns, Mon 30 Nov 2026",
    "Task 1: Patrol town centre [OSARA-22] — Alex Carter, Jordan Patel — done: All quiet",
    "Task 2: Visit shops [CAD 1234] — Morgan Hughes — part done: Two shops closed",
    "Task 3: Leaflet drop — Riley Evans — not done",
    "Outstanding: task 2, task 3",
    "Returns from Sam Okafor. Notes: Busy market day",
    "CADs attended: 3",
    "Themis cases updated: 2",
    "Intelligence reports submitted: 1",
    "Community engagements: 12",
    "Engagements with vulnerable people: 2",
    "PCSO returns, Mon 30 Nov 2026",
    "No return: Jordan Patel, Morgan Hughes",
    "BWV, Mon 30 Nov 2026",
    "Categorised: Alex Carter",
    "No footage today: Sam Okafor",
    "Need help: Jordan Patel",
    "No answer: Morgan Hughes",
)
EXPECTED_LINES = (TALLY, "Needs your attention", *ATTENTION, "Reviewed", "Details", *DETAILS)
"""The card top to bottom: the tally, every exception, the button, then the folded details."""


def texts(card: dict[str, Any] | None) -> list[str]:
    assert card is not None
    return card_texts(card)


def in_order(seen: list[str], expected: tuple[str, ...]) -> bool:
    """Every expected line is shown, in this order (other lines may come between)."""
    rest = iter(seen)
    return all(any(line == shown for shown in rest) for line in expected)


async def test_review_shows_every_section_as_recorded_exceptions_first(recorded, sessions):
    result = await recorded["S101"].say("review Maidstone CSU North 2026-12-01")
    [card] = result.cards
    seen = texts(card)
    assert seen[0] == "Morning review: Maidstone CSU North, Tue 1 Dec 2026"
    assert seen[1] == TALLY
    assert seen[2] == "Needs your attention"
    assert tuple(seen[3 : 3 + len(ATTENTION)]) == ATTENTION
    assert seen[3 + len(ATTENTION)] == "Reviewed"
    assert in_order(seen, EXPECTED_LINES)
    details = next(i for i in card["body"] if i.get("id") == "details-0")
    assert details["isVisible"] is False
    assert card_texts(details)[0] == DETAILS[0]
    alex = next(line for line in seen if line.startswith("Alex Carter: "))
    assert alex.startswith("Alex Carter: CADs attended 2,")
    assert "Engagements with vulnerable people 1" in alex
    assert not any("Alex Carter (P301) (last" in line for line in seen)
    async with sessions() as session:
        [entry] = (await session.scalars(select(AuditEntry))).all()
        assert (entry.action, entry.actor) == ("review.view", "S101")
        assert entry.detail == {"team": CSU, "day": "2026-12-01"}


def reviews(connector: FakeConnector, user: TeamsUser) -> list[Sent]:
    return [
        s
        for s in connector.to(user.conversation_id)
        if s.card and s.card["body"][0]["text"].startswith("Morning review:")
    ]


async def test_morning_review_goes_to_each_supervising_sergeant_only(
    recorded, connector, sessions, settings, clock
):
    await deliver(sessions, settings, clock)
    connector.clear()
    early = await run(sessions, settings, "morning-review", REVIEW_TIME - timedelta(minutes=1))
    assert early.run.occurrences == 0
    result = await run(sessions, settings, "morning-review", REVIEW_TIME)
    # The app's own delivery worker may send some of them before the test's outbox does:
    # what matters is that each sergeant receives each review once (counted below).
    assert result.run.recorded == 3
    s101 = sorted(texts(s.card)[0] for s in reviews(connector, recorded["S101"]))
    assert s101 == [
        "Morning review: Maidstone CSU North, Tue 1 Dec 2026",
        "Morning review: Maidstone PSTF, Tue 1 Dec 2026",
    ]
    [s102] = reviews(connector, recorded["S102"])
    assert texts(s102.card)[0] == "Morning review: Maidstone PSTF, Tue 1 Dec 2026"
    assert len(connector.messages()) == 3
    csu = next(s for s in reviews(connector, recorded["S101"]) if CSU in texts(s.card)[0])
    assert in_order(texts(csu.card), EXPECTED_LINES)
    again = await run(sessions, settings, "morning-review", REVIEW_TIME + timedelta(minutes=5))
    assert again.run.recorded == 0
    async with sessions() as session:
        sent = (await session.scalars(select(AuditEntry).order_by(AuditEntry.id))).all()
        assert sorted((e.action, e.detail["to"], e.detail["team"]) for e in sent) == [
            ("review.sent", "S101", CSU),
            ("review.sent", "S101", PSTF),
            ("review.sent", "S102", PSTF),
        ]


async def test_reviewed_button_records_who_read_it_and_when(
    recorded, connector, sessions, settings, clock
):
    await run(sessions, settings, "morning-review", REVIEW_TIME)
    sent = next(s for s in reviews(connector, recorded["S101"]) if CSU in texts(s.card)[0])
    assert sent.card is not None
    ack = dict(action(sent.card, "Reviewed")["data"])
    assert ack == {"verb": "review.ack", "team": CSU, "date": "2026-12-01"}
    clock.now = datetime(2026, 12, 1, 8, 50, tzinfo=UTC)
    result = await recorded["S101"].submit(ack, reply_to=sent.activity_id)
    [updated] = result.replies
    assert (updated.method, updated.activity_id) == ("PUT", sent.activity_id)
    assert "Reviewed by Chris Walker at 08:50." in texts(updated.card)
    assert "Reviewed" not in [a.get("title") for a in actions(updated.card)]
    invoked = await recorded["S101"].execute("review.ack", ack)
    assert "Reviewed by Chris Walker at 08:50." in texts(invoked.body["value"])
    async with sessions() as session:
        [read] = (await session.scalars(select(ReviewRead))).all()
        assert (read.day, read.read_at) == (TUESDAY, clock.now)
        acks = await session.scalars(select(AuditEntry).where(AuditEntry.action == "review.ack"))
        [entry] = acks.all()
        assert (entry.actor, entry.detail) == ("S101", {"team": CSU, "day": "2026-12-01"})


async def test_reviewed_typed_marks_the_review_read_like_the_button(recorded, sessions, clock):
    clock.now = datetime(2026, 12, 1, 8, 50, tzinfo=UTC)
    result = await recorded["S101"].say("reviewed csu north 2026-12-01")
    [card] = result.cards
    seen = texts(card)
    assert seen[0] == "Morning review: Maidstone CSU North, Tue 1 Dec 2026"
    assert "Reviewed by Chris Walker at 08:50." in seen
    assert "Reviewed" not in [a.get("title") for a in actions(card)]
    again = await recorded["S101"].say("reviewed Maidstone CSU North 2026-12-01")
    assert "Reviewed by Chris Walker at 08:50." in texts(again.cards[0])
    refused = (await recorded["P301"].say("reviewed csu north")).all_text()
    assert refused == "Sorry, 'reviewed [TEAM] [DATE]' is only for admins, inspectors, sergeants."
    async with sessions() as session:
        [read] = (await session.scalars(select(ReviewRead))).all()
        assert (read.day, read.read_at) == (TUESDAY, clock.now)
        acks = await session.scalars(select(AuditEntry).where(AuditEntry.action == "review.ack"))
        [entry] = acks.all()
        assert (entry.actor, entry.detail) == ("S101", {"team": CSU, "day": "2026-12-01"})


NAMES = ("Alex", "Jordan", "Morgan", "Riley", "Sam", "Patrol", "OSARA")


async def test_a_pcso_asking_for_a_review_is_refused_without_any_data(recorded, sessions):
    for collar in ("P301", "TL201"):
        for attempt in (
            await recorded[collar].say("review Maidstone CSU North 2026-12-01"),
            await recorded[collar].say("review"),
            await recorded[collar].submit(
                {"verb": "review.ack", "team": CSU, "date": "2026-12-01"}
            ),
        ):
            seen = attempt.all_text()
            assert seen.startswith("Sorry, 'review")
            assert seen.endswith("' is only for admins, inspectors, sergeants.")
            assert attempt.cards == []
            assert not any(name in seen for name in NAMES)
    other = (await recorded["S102"].say("review Maidstone CSU North")).all_text()
    assert "is not one of your teams" in other
    assert not any(name in other for name in NAMES)
    async with sessions() as session:
        assert (await session.scalars(select(ReviewRead))).all() == []
        assert (await session.scalars(select(AuditEntry))).all() == []


async def test_inspector_of_the_district_and_admin_see_it(recorded):
    inspector = (await recorded["I501"].say("review csu north 2026-12-01")).all_text()
    assert "Jordan Patel (P302)" in inspector
    admin = (await recorded["A001"].say("review Maidstone PSTF 2026-12-01")).all_text()
    assert "Morning review: Maidstone PSTF, Tue 1 Dec 2026" in admin
    which = (await recorded["S101"].say("review")).all_text()
    assert "Which team? Type review followed by one of" in which


async def test_a_day_nobody_answered_lists_them_not_nothing_to_report(people, sessions):
    """Missing answers and missing returns are something to report (review finding A)."""
    async with sessions() as session, session.begin():
        joined = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
        await session.execute(update(Officer).values(created_at=joined))
    lines = texts((await people["S102"].say("review 2026-12-01")).cards[0])
    assert not any(line.startswith("Nothing to report") for line in lines)
    assert in_order(
        lines,
        (
            "Morning review: Maidstone PSTF, Tue 1 Dec 2026",
            "3 need your attention · briefing 0 of 3 answered · returns not in · "
            "BWV 0 of 3 answered",
            "Returns not received for Mon 30 Nov 2026",
            "No briefing answer today: Taylor Brooks, Jamie Reid, Casey Morgan",
            "No BWV answer for Mon 30 Nov 2026: Taylor Brooks, Jamie Reid, Casey Morgan",
            "Reviewed",
            "Briefing today, Tue 1 Dec 2026",
            "No answer: Taylor Brooks, Jamie Reid, Casey Morgan",
            "Tasks and returns, Mon 30 Nov 2026",
            "No tasks were set.",
            "Returns: not received.",
            "BWV, Mon 30 Nov 2026",
            "No answer: Taylor Brooks, Jamie Reid, Casey Morgan",
        ),
    )


async def test_a_day_with_nothing_to_report_says_so_in_one_line(people, sessions):
    async with sessions() as session, session.begin():
        joined = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
        await session.execute(update(Officer).values(created_at=joined))
        pstf = await session.scalar(select(Team.id).where(Team.name == PSTF))
        await session.execute(update(Officer).where(Officer.team_id == pstf).values(active=False))
    card = (await people["S102"].say("review 2026-12-01")).cards[0]
    assert texts(card) == [
        "Morning review: Maidstone PSTF, Tue 1 Dec 2026",
        "Nothing to report: no answers, tasks, returns or flags recorded.",
        "Reviewed",
    ]
    async with sessions() as session, session.begin():
        await session.execute(
            update(Officer).where(Officer.role == "sergeant").values(active=False)
        )
    lines = texts((await people["A001"].say("review Maidstone PSTF 2026-12-01")).cards[0])
    assert "Supervision: no active sergeant supervises this team." in lines


async def test_a_late_briefing_answer_is_marked_late_in_the_review(people, clock):
    """An answer after the review time is recorded as late, and the review says so."""
    clock.now = datetime(2026, 12, 1, 9, 5, tzinfo=UTC)
    answered = (await people["P311"].say("in person")).all_text()
    assert "Recorded late (after the 08:30 review)" in answered
    clock.now = datetime(2026, 12, 1, 8, 10, tzinfo=UTC)
    await people["P312"].say("remote")
    clock.now = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
    lines = texts((await people["S102"].say("review 2026-12-01")).cards[0])
    assert "In person: Taylor Brooks (late, 09:05)" in lines
    assert "Remote: Jamie Reid" in lines


async def test_building_a_review_does_not_grow_with_the_history(sample_roster, engine, sessions):
    """The same number of SQL statements for a review with a week or a year of history."""
    await joined_long_ago(sessions)
    statements: list[str] = []
    event.listen(engine.sync_engine, "before_cursor_execute", _count_into(statements))
    await _history(sessions, TUESDAY - timedelta(days=7), TUESDAY)
    with_a_week = await _statements_for_review(sessions, statements)
    await _history(sessions, TUESDAY - timedelta(days=365), TUESDAY - timedelta(days=8))
    with_a_year = await _statements_for_review(sessions, statements)
    assert with_a_week == with_a_year
    assert len(with_a_year) <= 18


def _count_into(statements: list[str]):  # type: ignore[no-untyped-def]
    def record(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement.split()[0])

    return record


async def _history(sessions, first: date, last: date) -> None:  # type: ignore[no-untyped-def]
    async with store(sessions) as s:
        day = first
        while day <= last:
            if day.weekday() < 5:
                for collar in ("P301", "P302", "P303", "P304", "TL201"):
                    s.attend(collar, day, "in_person")
                    s.bwv(collar, day, "categorised")
            if day.day == 1:
                s.one_to_one("P301", day)
            day += timedelta(days=1)


async def _statements_for_review(sessions, statements: list[str]) -> list[str]:  # type: ignore[no-untyped-def]
    async with sessions() as session:
        team = await session.scalar(select(Team).where(Team.name == CSU))
        statements.clear()
        review = await load_review(session, team, TUESDAY, ZONE)
    assert review.attendance["in_person"]
    return list(statements)
