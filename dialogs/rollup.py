"""Workflow 7: the inspector's weekly roll-up of the district's teams.

Mondays at review time each inspector of the district gets, per team, last week's briefing
attendance, returns completion, BWV answer and categorisation rates, overdue one-to-ones
and reviews marked read. The job runs per team; the delivery is keyed per inspector and
day, so a district of several teams still sends it once. `rollup` shows it on demand.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from dialogs.core import Card, Reply, Section, Turn, UserError
from dialogs.jobs import Job, JobContext
from dialogs.officer_day import short_day
from dialogs.router import Router
from dialogs.supervision import briefing_days_between, rate
from storage import audit, officers, outbox, supervision
from storage.models import Role, Team
from storage.periods import Figures, latest_return_ids, period_figures, read_days
from storage.review import joined_on

JOB = "inspector-rollup"


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
    teams = await officers.district_teams(session, district)
    first, last = last_week(day)
    ids = [t.id for t in teams]
    returned = await latest_return_ids(session, ids, first, last)
    read = await read_days(session, ids, first, last)
    weeks = []
    for team in teams:
        days = briefing_days_between(team, first, last)
        week = TeamWeek(team=team, briefing_days=len(days))
        members = await officers.members(session, team.id)
        for figures in (await period_figures(session, team, members, days, zone)).values():
            week.figures.add(figures)
        week.returns_days = sum((team.id, d) in returned for d in days)
        week.read_days = sum((team.id, d) in read for d in days)
        held = await supervision.last_one_to_ones(session, [m.id for m in members], day)
        week.overdue = sum(
            supervision.is_overdue(held.get(m.id), joined_on(m, zone), day) for m in members
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
    await audit.record(turn.session, "rollup.view", officer=turn.officer, district=district)
    return [Reply(card=rollup_card(district, turn.today, weeks))]


def rollup_time(team: Team | None, day: date) -> time | None:
    if team is None or day.weekday() != 0:
        return None
    return team.review_time


async def send_rollups(context: JobContext) -> int:
    if context.team is None:
        raise ValueError("a per-team job ran without a team")
    session, district = context.session, context.team.district
    inspectors = await officers.inspectors_of(session, district)
    if not inspectors:
        return 0
    weeks = await district_week(session, district, context.day, context.settings.zone)
    card = rollup_card(district, context.day, weeks)
    recorded = 0
    for inspector in inspectors:
        recorded += await outbox.enqueue(
            session,
            job=JOB,
            officer_id=inspector.id,
            day=context.day,
            payload=Reply(card=card).to_dict(),
        )
    return recorded
