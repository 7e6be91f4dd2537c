"""On the first briefing day of each month, at the team's review time, each supervising
sergeant gets the team's PCSOs with a one-line preparation summary each."""

from __future__ import annotations

from datetime import date, time

from dialogs.calendar import first_briefing_day_of_month
from dialogs.core import Action, Card, Reply, Section
from dialogs.jobs import TeamJobContext, fan_out
from dialogs.one_to_one.prep import prep_lines, previous_month
from dialogs.one_to_one.queries import is_overdue, last_one_to_ones
from dialogs.people import joined_on
from dialogs.router import Views
from storage import officers
from storage.models import Officer, Team

JOB = "one-to-one-reminders"
OPEN = "one_to_one.open"  # read-only: the record form for a collar


def reminder_time(team: Team, day: date) -> time | None:
    if day != first_briefing_day_of_month(team, day.year, day.month):
        return None
    return team.review_time


def reminder_card(
    team: Team, month: date, lines: list[tuple[Officer, str]], overdue: set[int]
) -> Card:
    """Overdue first, each PCSO's line with a "Record" button that opens the form."""
    ordered = sorted(lines, key=lambda pair: pair[0].id not in overdue)
    sections = []
    for n, (member, line) in enumerate(ordered):
        late = member.id in overdue
        heading = ""
        if n == 0 or late != (ordered[n - 1][0].id in overdue):
            heading = "Overdue" if late else "Not yet due"
        record = Action("Record", {"verb": OPEN, "collar": member.collar_number})
        sections.append(Section(heading=heading, lines=(line,), actions=(record,)))
    due = len(overdue)
    return Card(
        title=f"One-to-ones due this month: {team.name}",
        sections=(
            Section(lines=(f"Figures for last month ({month:%B %Y}).",)),
            *(sections or [Section(lines=("No PCSOs.",))]),
        ),
        summary=f"One-to-ones: {due} overdue in {team.name}"
        if due
        else f"One-to-ones due this month: {team.name}",
        wide=True,
    )


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
        held = await last_one_to_ones(session, [m.id for m in members], day)
        zone = context.settings.zone
        overdue = {m.id for m in members if is_overdue(held.get(m.id), joined_on(m, zone), day)}
        card = reminder_card(team, first, list(zip(members, lines, strict=True)), overdue)
        sergeants = await officers.sergeants_of(session, team.id)
        reply = Reply(card=card)
        suffix = f"team{team.id}"
        return len(await fan_out(context, job=JOB, to=sergeants, reply=reply, suffix=suffix))
