"""Workflow 7: the inspector's weekly roll-up of the district's teams.

Mondays at review time each inspector of the district gets, per team, last week's briefing
attendance, returns completion, BWV answer and categorisation rates, overdue one-to-ones
and reviews marked read. `rollup` shows it on demand.

The job runs once (not per team) and builds each district's card once. A job that is not
per team has no team to take a review time from, so it is due at the default review time
(`ROLLUP_TIME`, 08:30 local, the Team model's default) on Mondays, whatever the teams'
own review times; the figures are last week's, so they do not change during the morning.
The delivery is keyed per inspector and day.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from dialogs.calendar import briefing_days_between
from dialogs.core import Card, Reply, Section, Turn, UserError
from dialogs.jobs import Job, JobContext, fan_out
from dialogs.officer_day import short_day
from dialogs.router import Router
from dialogs.supervision import rate
from storage import audit, officers, supervision
from storage.models import Role, Team
from storage.models.core import team_default
from storage.periods import Figures, latest_return_ids, period_figures, read_days
from storage.review import joined_on

JOB = "inspector-rollup"
ROLLUP_TIME: time = team_default("review_time")


def register(router: Router) -> None:
    router.command(
        "rollup",
        show_rollup,
        roles=(Role.INSPECTOR.value, Role.ADMIN.value),
        usage="rollup [DISTRICT]",
        summary="last week's compliance figures for each team of the district",
    )
    router.job(
        Job(
            name=JOB,
            run=send_rollups,
            due=rollup_time,
            grace=timedelta(hours=3),
            per_team=False,
            summary="Mondays: last week's figures per team, to the district's inspectors",
        )
    )


@dataclass
class TeamWeek:
    team: Team
    briefing_days: int
    figures: Figures = field(default_factory=Figures)
    returns_days: int = 0
    read_days: int = 0
    overdue: int = 0


def last_week(day: date) -> tuple[date, date]:
    """Monday to Sunday of the week before the one `day` is in."""
    monday = day - timedelta(days=day.weekday())
    return monday - timedelta(days=7), monday - timedelta(days=1)


async def district_week(
    session: AsyncSession, district: str, day: date, zone: ZoneInfo
) -> list[TeamWeek]:
    """Each team's week; what can be read for every team at once is (by team ids)."""
    teams = await officers.district_teams(session, district)
    first, last = last_week(day)
    ids = [t.id for t in teams]
    returned = await latest_return_ids(session, ids, first, last)
    read = await read_days(session, ids, first, last)
    members = await officers.members_of_teams(session, ids)
    everyone = [m.id for team_members in members.values() for m in team_members]
    held = await supervision.last_one_to_ones(session, everyone, day)
    weeks = []
    for team in teams:
        days = briefing_days_between(team, first, last)
        week = TeamWeek(team=team, briefing_days=len(days))
        mine = members.get(team.id, [])
        for figures in (await period_figures(session, team, mine, days, zone)).values():
            week.figures.add(figures)
        week.returns_days = sum((team.id, d) in returned for d in days)
        week.read_days = sum((team.id, d) in read for d in days)
        week.overdue = sum(
            supervision.is_overdue(held.get(m.id), joined_on(m, zone), day) for m in mine
        )
        weeks.append(week)
    return weeks


def rollup_card(district: str, day: date, weeks: list[TeamWeek]) -> Card:
    first, last = last_week(day)
    sections = tuple(Section(heading=w.team.name, facts=_facts(w)) for w in weeks) or (
        Section(lines=("No teams in this district.",)),
    )
    return Card(
        title=f"Weekly roll-up: {district}, {short_day(first)} to {short_day(last)}",
        sections=sections,
    )


def _facts(week: TeamWeek) -> tuple[tuple[str, str], ...]:
    f = week.figures
    return (
        ("Briefing attendance", rate(f.briefings_attended, f.briefings_expected)),
        ("Returns completed", rate(week.returns_days, week.briefing_days, "briefing days")),
        ("BWV answered", rate(f.bwv_answered, f.bwv_due)),
        ("BWV categorised", rate(f.bwv_categorised, f.bwv_answered, "answers")),
        ("One-to-ones overdue", str(week.overdue)),
        ("Reviews marked read", rate(week.read_days, week.briefing_days, "briefing days")),
    )


async def show_rollup(turn: Turn) -> list[Reply]:
    district = turn.officer.district
    if turn.officer.role == Role.ADMIN.value:
        district = turn.text.strip()
        if not district:
            raise UserError("Which district? Type rollup followed by the district's name.")
    weeks = await district_week(turn.session, district, turn.today, turn.zone)
    await audit.record(
        turn.session, "rollup.view", at=turn.now, officer=turn.officer, district=district
    )
    return [Reply(card=rollup_card(district, turn.today, weeks))]


def rollup_time(_team: Team | None, day: date) -> time | None:
    """Mondays at the default review time (see the module's docstring)."""
    return ROLLUP_TIME if day.weekday() == 0 else None


async def send_rollups(context: JobContext) -> int:
    """Each district with an inspector: its card built once, one delivery per inspector."""
    session, recorded = context.session, 0
    for district in await officers.districts(session):
        inspectors = await officers.inspectors_of(session, district)
        if not inspectors:
            continue
        weeks = await district_week(session, district, context.day, context.settings.zone)
        reply = Reply(card=rollup_card(district, context.day, weeks))
        recorded += len(await fan_out(context, job=JOB, to=inspectors, reply=reply))
    return recorded
