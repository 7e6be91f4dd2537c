"""Signals for intrusive supervision (docs/guide.md, "Signals"), on SQLite and PostgreSQL:
each rule at its threshold's edges, the district of tests/rig/district.py holding every
kind exactly once, a fixed number of queries, and marking a signal discussed through the
real endpoint (the review card's button and typed), with the one-to-one preparation."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, func, select, update

from dialogs.signals import KINDS, Signal, discussed_signals, find_signals
from dialogs.signals.models import SignalDiscussion
from storage.models import AuditEntry, Team
from tests.rig.district import build_district
from tests.rig.officer_day import Clock
from tests.rig.supervision import Store, joined_long_ago, store
from tests.rig.teams import action, actions, card_texts

ZONE = ZoneInfo("Europe/London")
TODAY = date(2026, 12, 1)  # a Tuesday; the 28-day window starts Wed 4 Nov
CSU, PSTF = "Maidstone CSU North", "Maidstone PSTF"
CSU_MEMBERS = ("TL201", "P301", "P302", "P303", "P304")
PSTF_MEMBERS = ("TL202", "P311", "P312")


def d(day: int, month: int = 11) -> date:
    return date(2026, month, day)


def weekdays(first: date, last: date) -> list[date]:
    days = (first + timedelta(days=n) for n in range((last - first).days + 1))
    return [day for day in days if day.weekday() < 5]


def everyone_answers(
    s: Store, *, skip: dict[str, set[date]] | None = None, last: date = TODAY
) -> None:
    """Every member answers every briefing day of the window (nobody is silent), except
    the days in `skip`."""
    for collar in CSU_MEMBERS + PSTF_MEMBERS:
        for day in weekdays(d(1), last):
            if day not in (skip or {}).get(collar, set()):
                s.attend(collar, day, "in_person")


async def signals_of(sessions, team: str = CSU, today: date = TODAY) -> list[Signal]:  # type: ignore[no-untyped-def]
    async with sessions() as session:
        found = await session.scalar(select(Team).where(Team.name == team))
        return await find_signals(session, [found], today=today, zone=ZONE)


def seen(signals: list[Signal], kind: str | None = None) -> set[tuple[str, str, tuple[date, ...]]]:
    """(kind, collar, days) of the open signals (of one kind)."""
    return {
        (s.kind, s.officer.collar, tuple(e.day for e in s.evidence))
        for s in signals
        if s.open and (kind is None or s.kind == kind)
    }


@pytest.fixture
async def roster(sample_roster, sessions) -> None:  # type: ignore[no-untyped-def]
    await joined_long_ago(sessions)


async def set_team(sessions, **settings: int) -> None:  # type: ignore[no-untyped-def]
    async with sessions() as session, session.begin():
        await session.execute(update(Team).where(Team.name == CSU).values(**settings))


# --- each rule at its edges -----------------------------------------------------------------


async def test_vulnerable_contact_without_vpc_footage(roster, sessions):
    async with store(sessions) as s:
        everyone_answers(s)
        s.bwv("P301", d(30), "no_footage", "yes")  # the IOPC case: a signal
        s.bwv("P302", d(4), None, "yes")  # no category answer, first day of the window
        s.bwv("P303", d(3), "no_footage", "yes")  # the day before the window
        s.bwv("P304", d(30), "categorised", "yes")  # kept: no signal
        s.bwv("TL201", TODAY, "no_footage", "yes")  # today is still open
        s.bwv("P301", d(27), "no_footage", "no")
    found = await signals_of(sessions)
    assert seen(found) == {
        ("vulnerable_no_vpc", "P301", (d(30),)),
        ("vulnerable_no_vpc", "P302", (d(4),)),
    }
    p301 = next(x for x in found if x.officer.collar == "P301")
    assert p301.key == "vpc-p301-2026-11-30"
    assert p301.evidence[0].text == "vulnerable contact: yes; BWV: no footage"
    assert p301.summary == (
        "Vulnerable contact without VPC-categorised footage: Alex Carter (P301), "
        "Mon 30 Nov 2026 — vulnerable contact: yes; BWV: no footage (for discussion)"
    )
    p302 = next(x for x in found if x.officer.collar == "P302")
    assert p302.evidence[0].text == "vulnerable contact: yes; BWV: no category answer"
    later = await signals_of(sessions, today=d(2, 12))
    assert ("vulnerable_no_vpc", "TL201", (TODAY,)) in seen(later)
    assert ("vulnerable_no_vpc", "P302", (d(4),)) not in seen(later)  # out of the window


async def test_vulnerable_contact_on_several_days_without_a_reference(roster, sessions):
    async with store(sessions) as s:
        everyone_answers(s)
        for day in (d(18), d(24), TODAY):  # 18 Nov is the first day of the 14
            s.bwv("P301", day, "categorised", "yes")
        for day in (d(17), d(24), d(30)):  # 17 Nov is outside: two days
            s.bwv("P302", day, "categorised", "yes")
        s.bwv("P303", d(20), "categorised", "yes")
        s.bwv("P303", d(23), "categorised", "yes")
        s.pcso_return("P303", d(25), vulnerable_engagements=2)
        await s.task(CSU, d(23), "CAD 4411", assignee="P303")  # covered: two days left
        s.bwv("P304", d(19), "categorised", "yes")
        s.bwv("P304", d(20), "categorised", "yes")
        s.pcso_return("P304", d(26), vulnerable_engagements=1)
        await s.task(CSU, d(20), None, assignee="P304")  # a task without a reference covers nothing
    found = await signals_of(sessions)
    assert seen(found, "vulnerable_repeated") == {
        ("vulnerable_repeated", "P301", (d(18), d(24), TODAY)),
        ("vulnerable_repeated", "P304", (d(19), d(20), d(26))),
    }
    p304 = next(x for x in found if x.officer.collar == "P304")
    assert [e.text for e in p304.evidence][2] == (
        "PCSO return: 1 engagement with vulnerable people; no tasking reference"
    )
    assert "3 days in 14" in p304.summary and "none covered by a tasking reference" in p304.summary
    await set_team(sessions, vulnerable_days=4)
    assert seen(await signals_of(sessions), "vulnerable_repeated") == set()
    await set_team(sessions, vulnerable_days=2, vulnerable_window_days=13)
    assert {x[1] for x in seen(await signals_of(sessions), "vulnerable_repeated")} == {
        "P301",  # 24 Nov and today
        "P302",  # 24 and 30 Nov
        "P303",  # 20 and 25 Nov (23 Nov covered)
        "P304",
    }


async def test_silent_briefing_days_running_up_to_today(roster, sessions):
    async with store(sessions) as s:
        everyone_answers(
            s,
            skip={
                "P301": {d(27), d(30), TODAY},  # three running: a signal
                "P302": {d(30), TODAY},  # two
                "P303": {d(26), d(27), d(30), TODAY},  # away on the 27th: two running
                "P304": {d(25), d(26), d(27)},  # three, but answered since
            },
        )
        s.away("P303", d(27), d(27), "training")
    found = await signals_of(sessions)
    assert seen(found) == {("silent", "P301", (d(27), d(30), TODAY))}
    assert found[0].summary == (
        "No briefing answers: Alex Carter (P301), 3 briefing days running "
        "(Fri 27 Nov–Tue 1 Dec 2026) (for discussion)"
    )
    await set_team(sessions, silent_days=2)
    assert {x[1] for x in seen(await signals_of(sessions))} == {"P301", "P302", "P303"}
    await set_team(sessions, silent_days=4)
    assert seen(await signals_of(sessions)) == set()


async def test_bwv_help_on_several_days(roster, sessions):
    async with store(sessions) as s:
        everyone_answers(s)
        s.bwv("P301", d(4), "need_help")  # the window's first day
        s.bwv("P301", d(20), "need_help")
        s.bwv("P302", d(3), "need_help")  # the day before the window
        s.bwv("P302", d(20), "need_help")
        s.bwv("P303", d(25), "need_help")
        s.bwv("P303", d(25), "categorised")  # changed: the latest counts
        s.bwv("P303", d(30), "need_help")
    assert seen(await signals_of(sessions)) == {("bwv_help_repeated", "P301", (d(4), d(20)))}
    await set_team(sessions, need_help_days=3)
    assert seen(await signals_of(sessions)) == set()


async def test_a_discussed_pattern_comes_back_only_with_new_evidence(roster, sessions):
    async with store(sessions) as s:
        silent = {d(27), d(30), TODAY, d(2, 12), d(3, 12), d(4, 12)}
        everyone_answers(s, skip={"P301": silent}, last=d(4, 12))
    [silent] = await signals_of(sessions)
    async with sessions() as session, session.begin():
        session.add(
            SignalDiscussion(
                key=silent.key,
                kind=silent.kind,
                team_id=silent.team.id,
                officer_id=silent.officer.id,
                first_day=silent.first_day,
                through_day=silent.last_day,
                evidence=[{"day": e.day.isoformat(), "text": e.text} for e in silent.evidence],
                note="Welfare call: family matter, now back at work",
                discussed_at=datetime(2026, 12, 1, 11, 0, tzinfo=UTC),
            )
        )
    for today, still_open in ((d(2, 12), set()), (d(3, 12), set())):
        found = await signals_of(sessions, today=today)
        assert seen(found) == still_open
        [talked] = found
        assert (talked.key, talked.open) == ("sil-p301-2026-12-01", False)
        assert talked.discussion is not None
        assert talked.discussion.by == "someone no longer on the roster"
        assert talked.discussion.note == "Welfare call: family matter, now back at work"
    found = await signals_of(sessions, today=d(4, 12))  # a third silent day since: raised again
    assert seen(found) == {("silent", "P301", (d(2, 12), d(3, 12), d(4, 12)))}
    assert [x.open for x in found] == [True, False]


# --- the district -----------------------------------------------------------------------------


@pytest.mark.parametrize("today", [date(2026, 12, 1), date(2027, 1, 6), date(2027, 3, 14)])
async def test_the_district_holds_every_signal_exactly_once(sessions, today):
    district = await build_district(sessions, today=today)
    async with sessions() as session:
        teams = (await session.scalars(select(Team).order_by(Team.id))).all()
        found = await find_signals(session, teams, today=today, zone=ZONE)
        history = await discussed_signals(
            session, teams, first=today - timedelta(weeks=12), last=today, zone=ZONE
        )
    expected = {(e.kind, e.collar, e.days) for e in district.expected.values()}
    assert seen(found) == expected
    assert set(district.expected) == set(KINDS)
    [talked] = [s for s in found if not s.open]
    assert (talked.kind, talked.officer.collar, tuple(e.day for e in talked.evidence)) == (
        district.discussed.kind,
        district.discussed.collar,
        district.discussed.days,
    )
    assert talked.key == district.discussed_key
    assert talked.discussion is not None and talked.discussion.by == "Ravi Mistry (S402)"
    assert [s.key for s in history] == [district.discussed_key]
    assert all(s.summary.endswith("(for discussion)") for s in found)
    assert [s.kind for s in found if s.open][:2] == ["silent", "bwv_help_repeated"]
    assert {s.team.id for s in found} == set(district.team_ids.values())


async def test_find_signals_runs_three_statements(engine, sessions):
    await build_district(sessions, today=TODAY)
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    async with sessions() as session:
        teams = (await session.scalars(select(Team).order_by(Team.id))).all()
        runs = []
        for chosen, today in (
            (teams[:1], TODAY),
            (teams, TODAY),
            (teams, TODAY - timedelta(days=40)),
        ):
            statements.clear()
            await find_signals(session, chosen, today=today, zone=ZONE)
            runs.append(len(statements))
    # Three, whatever the teams or the day: the members, their window's history (one
    # statement of five parts) and the discussions.
    assert runs == [3, 3, 3], runs
    assert sum("UNION ALL" in s for s in statements) == 1


# --- through the endpoint -----------------------------------------------------------------------


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 12, 1, 9, 0, tzinfo=UTC))


@pytest.fixture
async def three_signals(people, sessions) -> dict[str, Any]:
    """CSU: P303 silent Fri–Tue, P302 asked for BWV help twice, P301 a vulnerable contact
    with no footage on Monday."""
    await joined_long_ago(sessions)
    async with store(sessions) as s:
        everyone_answers(s, skip={"P303": {d(27), d(30), TODAY}})
        s.bwv("P302", d(20), "need_help")
        s.bwv("P302", d(26), "need_help")
        s.bwv("P301", d(30), "no_footage", "yes")
    return people


ATTENTION = (
    "No briefing answers (for discussion): Morgan Hughes (P303), 3 days",
    "BWV help asked on several days (for discussion): Jordan Patel (P302), 2 days",
    "Vulnerable contact without VPC-categorised footage (for discussion): "
    "Alex Carter (P301), Mon 30 Nov 2026",
)
EVIDENCE = (
    "Morgan Hughes (P303) — No briefing answers [sil-p303-2026-12-01]: Fri 27 Nov 2026: no "
    "briefing answer; Mon 30 Nov 2026: no briefing answer; Tue 1 Dec 2026: no briefing answer",
    "Jordan Patel (P302) — BWV help asked on several days [help-p302-2026-11-26]: "
    "Fri 20 Nov 2026: BWV: need help; Thu 26 Nov 2026: BWV: need help",
    "Alex Carter (P301) — Vulnerable contact without VPC-categorised footage "
    "[vpc-p301-2026-11-30]: Mon 30 Nov 2026: vulnerable contact: yes; BWV: no footage",
)
MARKS = ("Mark P303 discussed", "Mark P302 discussed", "Mark P301 discussed")


def attention(card: dict[str, Any]) -> list[str]:
    lines = card_texts(card)
    start = lines.index("Needs your attention") + 1
    return lines[start : lines.index("Reviewed")]


async def discussions(sessions) -> list[SignalDiscussion]:  # type: ignore[no-untyped-def]
    async with sessions() as session:
        return list((await session.scalars(select(SignalDiscussion))).all())


async def test_the_review_lists_open_signals_and_a_sergeant_marks_one_discussed(
    three_signals, sessions, clock
):
    sergeant = three_signals["S101"]
    card = (await sergeant.say("review Maidstone CSU North 2026-12-01")).cards[0]
    lines = attention(card)
    assert [x for x in lines if "(for discussion)" in x] == list(ATTENTION)
    assert lines.index(ATTENTION[0]) == 0  # silent first, as the three-day rule was
    assert "No briefing answer today: Morgan Hughes" not in lines
    assert not any(x.startswith("Asked for help with BWV") for x in lines)  # the signal says it
    details = card_texts(next(i for i in card["body"] if i.get("id") == "details-0"))
    assert [x for x in details if x.endswith("no footage") or "[" in x] == list(EVIDENCE)
    titles = [a["title"] for a in actions(card) if a["title"].startswith("Mark ")]
    assert titles == list(MARKS)
    mark = action(card, "Mark P301 discussed")
    assert mark["type"] == "Action.ShowCard"
    submit = mark["card"]["actions"][0]
    assert submit["data"] == {
        "verb": "signal.discussed",
        "key": "vpc-p301-2026-11-30",
        "team": CSU,
        "date": "2026-12-01",
    }
    assert [i["id"] for i in mark["card"]["body"]] == ["note"]
    clock.now = datetime(2026, 12, 1, 10, 30, tzinfo=UTC)
    note = "Spoke with Alex: no camera at the door; reminded of the VPC category."
    result = await sergeant.execute("signal.discussed", {**submit["data"], "note": note})
    updated = result.body["value"]
    assert ATTENTION[2] not in attention(updated)
    assert ATTENTION[0] in attention(updated)
    assert "Mark P301 discussed" not in [a["title"] for a in actions(updated)]
    assert any(
        line.startswith("Discussed: Alex Carter (P301) — Vulnerable contact without")
        and line.endswith(f"by Chris Walker (S101) on Tue 1 Dec 2026 10:30: {note}")
        for line in card_texts(updated)
    )
    assert "Recorded as discussed." in result.all_text()
    [stored] = await discussions(sessions)
    assert (stored.key, stored.kind, stored.note, stored.through_day) == (
        "vpc-p301-2026-11-30",
        "vulnerable_no_vpc",
        note,
        d(30),
    )
    assert stored.evidence == [
        {"day": "2026-11-30", "text": "vulnerable contact: yes; BWV: no footage"}
    ]
    again = await sergeant.execute("signal.discussed", {**submit["data"], "note": "again"})
    assert "Already recorded at 10:30: nothing new saved." in again.all_text()
    async with sessions() as session:
        entries = (
            await session.scalars(select(AuditEntry).where(AuditEntry.action == "signal.discussed"))
        ).all()
        assert [(e.actor, e.detail) for e in entries] == [
            (
                "S101",
                {
                    "key": "vpc-p301-2026-11-30",
                    "kind": "vulnerable_no_vpc",
                    "team": CSU,
                    "collar": "P301",
                },
            )
        ]
        team = await session.scalar(select(Team).where(Team.name == CSU))
        history = await discussed_signals(session, [team], first=TODAY, last=TODAY, zone=ZONE)
        assert [(s.key, s.discussion.note if s.discussion else None) for s in history] == [
            ("vpc-p301-2026-11-30", note)
        ]
    found = await signals_of(sessions)
    assert [(s.key, s.open) for s in found if s.kind == "vulnerable_no_vpc"] == [
        ("vpc-p301-2026-11-30", False)
    ]


async def test_discussed_typed_and_every_refusal_changes_nothing(three_signals, sessions, clock):
    sergeant, key = three_signals["S101"], "help-p302-2026-11-26"
    typed = await sergeant.say(f"discussed {key} Talked through categorising; buddy with TL201")
    seen_typed = typed.all_text()
    assert "Signal discussed: Jordan Patel (P302)" in seen_typed
    assert "Note: Talked through categorising; buddy with TL201" in seen_typed
    same = await sergeant.say(f"discussed {key.upper()} once more")
    assert "Already recorded at 09:00: nothing new saved." in same.all_text()
    refusals = [
        (sergeant, "discussed", "Type discussed KEY NOTE"),
        (sergeant, "discussed sil-p303-2026-12-01", "Add a note of the discussion"),
        (sergeant, "discussed sil-p303-2026-11-30 A note", "There is no open signal"),
        (sergeant, "discussed xyz-p303-2026-12-01 A note", "is not a signal's key"),
        (sergeant, "discussed sil-p999-2026-12-01 A note", "is not a signal in a team you"),
        (
            three_signals["S102"],
            "discussed sil-p303-2026-12-01 A note",
            "is not a signal in a team",
        ),
        (three_signals["P301"], "discussed sil-p303-2026-12-01 A note", "is only for admins"),
        (three_signals["TL201"], "discussed sil-p303-2026-12-01 A note", "is only for admins"),
    ]
    for who, said, expected in refusals:
        assert expected in (await who.say(said)).all_text(), said
    long = await sergeant.execute(
        "signal.discussed", {"key": "sil-p303-2026-12-01", "note": "x" * 1001}
    )
    assert "The note is limited to 1000 characters; it has 1001." in long.all_text()
    blank = await sergeant.execute("signal.discussed", {"key": "sil-p303-2026-12-01", "note": " "})
    assert "Add a note of the discussion" in blank.all_text()
    assert [s.key for s in await discussions(sessions)] == [key]
    inspector = await three_signals["I501"].say("discussed sil-p303-2026-12-01 Checked in by phone")
    assert "Signal discussed: Morgan Hughes (P303)" in inspector.all_text()
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(SignalDiscussion)) == 2


async def test_one_to_one_preparation_lists_the_months_signals(three_signals, sessions, clock):
    sergeant = three_signals["S101"]
    before = card_texts((await sergeant.say("one-to-one P302")).cards[0])
    line = next(x for x in before if x.startswith("Jordan Patel (P302): "))
    assert (
        "signals (for discussion): BWV need help on 2 days, Fri 20 Nov–Thu 26 Nov 2026 (open)"
    ) in line
    await sergeant.say("discussed help-p302-2026-11-26 Talked through the categories")
    after = card_texts((await sergeant.say("one-to-one P302")).cards[0])
    line = next(x for x in after if x.startswith("Jordan Patel (P302): "))
    assert "BWV need help on 2 days, Fri 20 Nov–Thu 26 Nov 2026 (discussed Tue 1 Dec 2026)" in line
    alex = card_texts((await sergeant.say("one-to-one P301")).cards[0])
    line = next(x for x in alex if x.startswith("Alex Carter (P301): "))
    assert "vulnerable contact with BWV no footage, Mon 30 Nov 2026 (open)" in line
