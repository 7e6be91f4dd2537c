"""On the first briefing day of each month, at the team's review time, each supervising
sergeant gets the team's PCSOs with a one-line preparation summary each."""

from __future__ import annotations

from datetime import date, time

from dialogs.calendar import first_briefing_day_of_month
from dialogs.core import Card, Reply, Section
from dialogs.jobs import TeamJobContext, fan_out
from dialogs.one_to_one.prep import prep_lines, previous_month
from dialogs.router import Views
from storage import officers
from storage.models import Team

JOB = "one-to-one-reminders"


def reminder_time(team: Team, day: date) -> time | None:
    if day != first_briefing_day_of_month(team, day.year, day.month):
        return None
    return team.review_time


class Reminders:
    def __init__(self, views: Views) -> None:
        self._views = views

    async def send(self, context: TeamJobContext) -> int:
        """Each sergeant of the team gets its PCSOs, keyed per sergeant, team and month."""
        team, session, day = context.team, context.session, context.day
        members = await officers.members(session, team.id)
        first, last = previous_month(day)
        lines = await prep_lines(
            self._views.periods,
            session,
            team,
            members,
            first,
            last,
            today=day,
            zone=context.settings.zone,
        )
        card = Card(
            title=f"One-to-ones due this month: {team.name}",
            sections=(
                Section(
                    heading=f"Last month ({first:%B %Y})", lines=tuple(lines) or ("No PCSOs.",)
                ),
                Section(lines=("To record one, type one-to-one and the collar number.",)),
            ),
        )
        sergeants = await officers.sergeants_of(session, team.id)
        reply = Reply(card=card)
        suffix = f"team{team.id}"
        return len(await fan_out(context, job=JOB, to=sergeants, reply=reply, suffix=suffix))
