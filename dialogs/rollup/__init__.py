"""Workflow 7: the inspector's weekly roll-up of the district's teams.

Mondays at review time each inspector of the district gets, per team, last week's figures
from every workflow's period part (briefing attendance, returns completion, BWV answer and
categorisation rates, overdue one-to-ones, reviews marked read). `rollup` shows it on demand.

The job runs once (not per team) and builds each district's card once. A job that is not
per team has no team to take a review time from, so it is due at the default review time
(`ROLLUP_TIME`, 08:30 local, the Team model's default) on Mondays, whatever the teams'
own review times; the figures are last week's, so they do not change during the morning.
The delivery is keyed per inspector and day.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from dialogs.calendar import briefing_days_between
from dialogs.core import Card, Reply, Section, Turn, UserError
from dialogs.jobs import Job, JobContext, fan_out
from dialogs.periods import Period, load_period
from dialogs.router import Router, Views
from dialogs.wording import short_day
from storage import audit, officers
from storage.models import Role, Team
from storage.models.core import team_default

JOB = "inspector-rollup"
ROLLUP_TIME: time = team_default("review_time")


def register(router: Router) -> None:
    rollups = Rollups(router.views)
    router.command(
        "rollup",
        rollups.show,
        roles=(Role.INSPECTOR.value, Role.ADMIN.value),
        usage="rollup [DISTRICT]",
        summary="last week's compliance figures for each team of the district",
    )
    router.job(
        Job(
            name=JOB,
            run=rollups.send,
            due=rollup_time,
            grace=timedelta(hours=3),
            per_team=False,
            summary="Mondays: last week's figures per team, to the district's inspectors",
        )
    )


def last_week(day: date) -> tuple[date, date]:
    """Monday to Sunday of the week before the one `day` is in."""
    monday = day - timedelta(days=day.weekday())
    return monday - timedelta(days=7), monday - timedelta(days=1)


async def district_week(
    sections: Views, session: AsyncSession, district: str, day: date, zone: ZoneInfo
) -> list[Period]:
    """Each team's week, from every registered period part."""
    teams = await officers.district_teams(session, district)
    first, last = last_week(day)
    members = await officers.members_of_teams(session, [t.id for t in teams])
    return [
        await load_period(
            sections.periods,
            session,
            team,
            members.get(team.id, []),
            briefing_days_between(team, first, last),
            zone=zone,
            today=day,
        )
        for team in teams
    ]


def rollup_card(district: str, day: date, weeks: Sequence[Period]) -> Card:
    first, last = last_week(day)
    sections = tuple(Section(heading=w.context.team.name, facts=w.team_facts()) for w in weeks) or (
        Section(lines=("No teams in this district.",)),
    )
    return Card(
        title=f"Weekly roll-up: {district}, {short_day(first)} to {short_day(last)}",
        sections=sections,
    )


def rollup_time(_team: Team | None, day: date) -> time | None:
    """Mondays at the default review time (see the module's docstring)."""
    return ROLLUP_TIME if day.weekday() == 0 else None


class Rollups:
    def __init__(self, views: Views) -> None:
        self._views = views

    async def show(self, turn: Turn) -> list[Reply]:
        district = turn.officer.district
        if turn.officer.role == Role.ADMIN.value:
            district = turn.text.strip()
            if not district:
                raise UserError("Which district? Type rollup followed by the district's name.")
        weeks = await district_week(self._views, turn.session, district, turn.today, turn.zone)
        await audit.record(
            turn.session, "rollup.view", at=turn.now, officer=turn.officer, district=district
        )
        return [Reply(card=rollup_card(district, turn.today, weeks))]

    async def send(self, context: JobContext) -> int:
        """Each district with an inspector: its card built once, one delivery per inspector."""
        session, recorded, zone = context.session, 0, context.settings.zone
        for district in await officers.districts(session):
            inspectors = await officers.inspectors_of(session, district)
            if not inspectors:
                continue
            weeks = await district_week(self._views, session, district, context.day, zone)
            reply = Reply(card=rollup_card(district, context.day, weeks))
            recorded += len(await fan_out(context, job=JOB, to=inspectors, reply=reply))
        return recorded
