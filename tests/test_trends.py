"""The twelve weeks of trends (dialogs/trends.py, each workflow's `trends.py`) against
hand-built rows, on SQLite and PostgreSQL: every briefing day counted in exactly one
category, the latest answer counting, away days, a joiner mid-period, a week across a clock
change; and the same figures as the weekly roll-up for the same week."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, select, update

from dialogs import registered
from dialogs.calendar import briefing_days_between
from dialogs.periods import load_period
from dialogs.sections import Tally, TrendScope, built
from dialogs.trends import Trends, load_trends, trend_weeks
from storage import officers
from storage.models import Officer, Team
from tests.rig import tab_data
from tests.rig.supervision import joined_long_ago, store
from tests.rig.tab_data import CSU, CSU_MEMBERS, FRI, MON, PSTF

ZONE = ZoneInfo("Europe/London")
TODAY = date(2026, 12, 1)  # a Tuesday: the weeks run from Mon 14 Sep to Mon 30 Nov


@pytest.fixture
async def week_of_answers(sample_roster, sessions) -> None:
    await tab_data.week_of_answers(sessions)


async def trends_of(  # type: ignore[no-untyped-def]
    sessions, names: tuple[str, ...], today: date = TODAY, *, by_officer: bool = True
) -> Trends:
    async with sessions() as session:
        teams = (await session.scalars(select(Team).where(Team.name.in_(names)))).all()
        return await load_trends(
            registered(), session, teams, today=today, zone=ZONE, by_officer=by_officer
        )


def weekly(trends: Trends, scope: TrendScope, week: int) -> dict[str, Tally]:
    return {s.key: s.weeks[week] for s in trends.series(scope)}


def team_scope(trends: Trends, *names: str) -> TrendScope:
    return TrendScope(frozenset(t.id for t in trends.context.teams if t.name in names))


def member(trends: Trends, collar: str) -> Officer:
    return next(
        m for _, m in trends.members(team_scope(trends, CSU, PSTF)) if m.collar_number == collar
    )


async def test_the_window_is_twelve_monday_weeks_counted_up_to_yesterday():
    weeks = trend_weeks(TODAY)
    assert (weeks.first, weeks.last) == (date(2026, 9, 14), date(2026, 11, 30))
    assert weeks.mondays[-2:] == (date(2026, 11, 23), date(2026, 11, 30))
    monday = trend_weeks(date(2026, 11, 30))  # on a Monday, the new week has no day yet
    assert (monday.first, monday.last, monday.index(monday.last)) == (
        date(2026, 9, 14),
        date(2026, 11, 29),
        10,
    )


async def test_every_briefing_day_is_counted_once_by_its_answer_away_or_none(
    week_of_answers, sessions
):
    trends = await trends_of(sessions, (CSU,))
    found = weekly(trends, team_scope(trends, CSU), 10)
    attendance = {
        k.removeprefix("attendance."): t.count
        for k, t in found.items()
        if t.of is None and k.startswith("attendance.")
    }
    assert attendance == {
        "in_person": 6,  # P301 five (Monday's change to in person counts), P303 Wednesday
        "remote": 5,
        "rest_day": 1,
        "annual_leave": 1,
        "sick": 1,
        "training": 1,
        "other_duty": 1,
        "court": 1,
        "away": 2,  # P303 Monday and Tuesday (Wednesday was answered)
        "no_answer": 6,  # P304 all week, P303 Friday
    }
    assert sum(attendance.values()) == 5 * len(CSU_MEMBERS)
    assert found["attendance.attended"] == Tally(10, 20)
    assert found["bwv.answered"] == Tally(8, 16)
    assert found["bwv.vpc"] == Tally(1, 3)
    assert found["bwv.contact"] == Tally(3)
    assert found["returns.completed"] == Tally(3, 5)
    assert found["returns.vulnerable"] == Tally(4)  # Saturday's return counts its own
    assert found["pcso_returns.vulnerable"] == Tally(4)
    # Nothing was recorded in the other weeks: every day owed is a day without an answer.
    earlier = weekly(trends, team_scope(trends, CSU), 9)
    assert earlier["attendance.no_answer"] == Tally(25)
    assert earlier["bwv.answered"] == Tally(0, 25)


async def test_each_members_figures_and_the_trends_match_the_weekly_rollup(
    week_of_answers, sessions
):
    trends = await trends_of(sessions, (CSU, PSTF))
    cells = {
        collar: {c.key: c.weeks[10] for c in trends.cells(member(trends, collar))}
        for collar in (*CSU_MEMBERS, "P311")
    }
    assert cells["P303"] == {
        "briefing.answered": Tally(2, 3),
        "bwv.answered": Tally(0, 1),
        "bwv.vpc": Tally(0, 1),
        "bwv.contact": Tally(1),
    }
    assert cells["P302"]["bwv.answered"] == Tally(0, 0)
    assert cells["TL201"]["bwv.answered"] == Tally(2, 5)
    assert cells["P311"]["briefing.answered"] == Tally(2, 3)  # joined Wednesday
    p311 = [c for c in trends.cells(member(trends, "P311")) if c.key == "briefing.answered"]
    assert p311[0].total == Tally(2, 4)  # and Monday 30 November, unanswered
    assert all(w == Tally(0, 0) for w in p311[0].weeks[:10])
    # The roll-up's own figures for the same week, from its period parts.
    async with sessions() as session:
        team = await officers.team_by_name(session, CSU)
        assert team is not None
        members = await officers.members(session, team.id)
        days = briefing_days_between(team, MON, FRI)
        views = registered()
        period = await load_period(
            views.periods, session, team, members, days, zone=ZONE, today=TODAY
        )
    facts = dict(period.team_facts())
    found = weekly(trends, team_scope(trends, CSU), 10)
    assert facts["Briefing attendance"] == "50% (10 of 20)" == _rate(found["attendance.attended"])
    assert facts["BWV answered"] == "50% (8 of 16)" == _rate(found["bwv.answered"])
    assert facts["Returns completed"] == "60% (3 of 5 briefing days)"


def _rate(tally: Tally) -> str:
    assert tally.of
    return f"{round(100 * tally.count / tally.of)}% ({tally.count} of {tally.of})"


async def test_one_officers_scope_and_a_member_who_left_the_team(week_of_answers, sessions):
    async with sessions() as session, session.begin():
        p304 = await officers.by_collar(session, "P304")
        assert p304 is not None
        p304.active = False
    trends = await trends_of(sessions, (CSU,))
    scope = team_scope(trends, CSU)
    assert [m.collar_number for _, m in trends.members(scope)] == ["P301", "P302", "P303", "TL201"]
    found = weekly(trends, scope, 10)
    assert found["attendance.no_answer"] == Tally(1)
    assert found["bwv.contact"] == Tally(2)
    assert found["pcso_returns.vulnerable"] == Tally(1)
    p301 = next(m for _, m in trends.members(scope) if m.collar_number == "P301")
    mine = weekly(trends, TrendScope(scope.team_ids, p301.id), 10)
    assert mine["attendance.in_person"] == Tally(5)
    assert mine["bwv.vpc"] == Tally(1, 1)
    assert "returns.completed" not in mine  # the team's returns are not one officer's


async def test_weeks_follow_the_local_calendar_across_a_clock_change(sample_roster, sessions):
    """23:30 UTC on Sunday 29 March 2026 is 00:30 on Monday 30 March in London (BST since
    01:00 UTC): the new week has begun, and the week of the change is a whole week."""
    await joined_long_ago(sessions)
    async with store(sessions) as s:
        for day in (date(2026, 3, 23), date(2026, 3, 27)):
            s.attend("P301", day, "in_person")
        s.attend("P301", date(2026, 3, 30), "remote")  # today: not counted yet
    now = datetime(2026, 3, 29, 23, 30, tzinfo=UTC)
    trends = await trends_of(sessions, (CSU,), today=now.astimezone(ZONE).date())
    assert trends.weeks.mondays[-1] == date(2026, 3, 30)
    assert trends.weeks.last == date(2026, 3, 29)
    p301 = member(trends, "P301")
    found = weekly(trends, TrendScope(frozenset({p301.team_id or 0}), p301.id), 10)
    assert found["attendance.in_person"] == Tally(2)
    assert found["attendance.no_answer"] == Tally(3)
    last = weekly(trends, TrendScope(frozenset({p301.team_id or 0}), p301.id), 11)
    assert all(t.count == 0 for key, t in last.items() if key.startswith("attendance."))


async def test_the_same_statements_whatever_the_number_of_teams(week_of_answers, sessions, engine):
    statements: list[str] = []

    def count(*_args: object) -> None:
        statements.append("")

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        await trends_of(sessions, (CSU,))
        one = len(statements)
        statements.clear()
        await trends_of(sessions, (CSU, PSTF))
        two = len(statements)
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", count)
    assert one == two
    async with sessions() as session, session.begin():
        await session.execute(update(Officer).values(active=False))
    trends = await trends_of(sessions, (CSU,))
    assert trends.members(team_scope(trends, CSU)) == []


async def test_the_sql_is_built_once_a_shape_and_run_with_each_pages_values(
    week_of_answers, sessions
):
    """Two pages of the same shape (a row per PCSO, nobody joining during the window, one
    set of briefing days) share their statements: the second builds none, and still counts
    its own window (the values are bound when the statements run)."""
    now = await trends_of(sessions, (CSU,))
    before = built.cache_info()
    later = await trends_of(sessions, (CSU,), date(2026, 12, 8))  # a week on: one week less
    after = built.cache_info()
    assert now.context.shape == later.context.shape
    assert after.misses == before.misses and after.hits > before.hits
    assert now.context.params["trend_first"] != later.context.params["trend_first"]
    assert weekly(now, team_scope(now, CSU), 10)["bwv.answered"] == Tally(8, 16)
    assert weekly(later, team_scope(later, CSU), 9)["bwv.answered"] == Tally(8, 16)
    assert weekly(later, team_scope(later, CSU), 10)["bwv.answered"].count == 0


async def test_figures_kept_per_team_are_the_members_figures_summed(week_of_answers, sessions):
    """An overview of many teams reads a row per team and week: the same figures as adding
    up the members' (away days, answers changed, a member who moved team, the returns)."""
    async with sessions() as session, session.begin():
        p303 = await officers.by_collar(session, "P303")
        pstf = await officers.team_by_name(session, PSTF)
        assert p303 is not None and pstf is not None
        p303.team_id = pstf.id  # CSU North's answers of P303 are no longer CSU North's
    members = await trends_of(sessions, (CSU, PSTF))
    teams = await trends_of(sessions, (CSU, PSTF), by_officer=False)
    for names in ((CSU,), (PSTF,), (CSU, PSTF)):
        scope = team_scope(members, *names)
        assert teams.series(scope) == members.series(scope), names
    for team in members.context.teams:
        rows = [members.row(key) for key in members.context.keys(team_scope(members, team.name))]
        summed = {c.key: c.total for c in rows[0]}
        for cells in rows[1:]:
            summed = {c.key: summed[c.key] + c.total for c in cells}
        found = {c.key: c.total for c in teams.row((team.id, 0))}
        assert {k: found[k] for k in summed} == summed, team.name
        assert "attendance.attended" in found and "returns.completed" in found
    csu = team_scope(members, CSU)
    assert weekly(teams, csu, 10)["attendance.away"] == weekly(members, csu, 10)["attendance.away"]
