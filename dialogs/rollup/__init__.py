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

import re
from collections.abc import Sequence
from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from dialogs.calendar import briefing_days_between
from dialogs.core import Card, Fold, Reply, Section, Table, Turn, UserError
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
            grace=timedelta(hours=8),
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


_PERCENT = re.compile(r"^(\d+)%")


def rollup_card(district: str, day: date, weeks: Sequence[Period]) -> Card:
    """One table: a column per team, worst first from the left, a row per figure, so each
    figure compares across its row (narrow enough for a phone); each team's figures in full
    (with what they are out of) under "Details"."""
    first, last = last_week(day)
    title = f"Weekly roll-up: {district}, {short_day(first)} to {short_day(last)}"
    if not weeks:
        return Card(title=title, sections=(Section(lines=("No teams in this district.",)),))
    ranked = sorted(weeks, key=lambda w: _standing(w.team_facts()))
    facts = [w.team_facts() for w in ranked]
    table = Table(
        columns=("Last week", *(_short(w.context.team.name, district) for w in ranked)),
        rows=tuple(
            (label, *(_cell(team[n][1]) for team in facts)) for n, (label, _) in enumerate(facts[0])
        ),
    )
    full = tuple(Section(heading=w.context.team.name, facts=w.team_facts()) for w in ranked)
    lines = ("Worst team first. Percentages of what was due; — where nothing was.",)
    return Card(
        title=title,
        sections=(Section(lines=lines, table=table),),
        details=(Fold("Details", sections=full),),
        summary=f"Weekly roll-up: {district}, {len(weeks)} team{'s' if len(weeks) != 1 else ''}",
        wide=True,
    )


def _short(team: str, district: str) -> str:
    """A team's name without the district's, where it starts with it: "CSU North"."""
    rest = team.removeprefix(district).strip(" -–,")
    return rest if team.startswith(district) and rest else team


def _cell(value: str) -> str:
    """A figure as its table cell: the percentage alone ("88%"), or the value."""
    found = _PERCENT.match(value)
    return f"{found.group(1)}%" if found else value


def _standing(facts: Sequence[tuple[str, str]]) -> tuple[float, int]:
    """Lower is worse: the average of the team's percentages, then more overdue is worse."""
    rates = [int(m.group(1)) for _, v in facts if (m := _PERCENT.match(v))]
    counts = [int(v) for _, v in facts if v.isdecimal()]
    return (sum(rates) / len(rates) if rates else 100.0, -sum(counts))


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
