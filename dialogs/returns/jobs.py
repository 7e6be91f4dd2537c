"""The returns card to team leaders at the team's returns time, and one reminder an hour
later if no returns have arrived (`tasking-reminders-repeat`), never more."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from dialogs.core import Reply
from dialogs.jobs import TeamJobContext, fan_out, on_briefing_days
from dialogs.returns.cards import returns_card
from dialogs.returns.queries import has_return
from dialogs.router import Provided
from dialogs.tasks import TaskBook
from storage import officers
from storage.models import Team

JOB = "tasking-reminders"
REPEAT_JOB = "tasking-reminders-repeat"
REPEAT_AFTER = timedelta(hours=1)

prompt_time = on_briefing_days("returns_time")


def repeat_time(team: Team, day: date) -> time | None:
    """An hour after the returns time, the same day (none if that passes midnight)."""
    first = prompt_time(team, day)
    if first is None:
        return None
    later = datetime.combine(day, first) + REPEAT_AFTER
    return later.time() if later.date() == day else None


class Reminders:
    def __init__(self, tasks: Provided[TaskBook]) -> None:
        self._tasks = tasks

    async def send_prompts(self, context: TeamJobContext) -> int:
        return await self._remind(context, suffix="", intro="Time for today's returns.")

    async def send_reminders(self, context: TeamJobContext) -> int:
        intro = "Reminder: today's returns have not arrived yet."
        return await self._remind(context, suffix="reminder", intro=intro)

    async def _remind(self, context: TeamJobContext, *, suffix: str, intro: str) -> int:
        """The returns card to each team leader, unless returns for the day are in already."""
        team, session, day = context.team, context.session, context.day
        if await has_return(session, team.id, day):
            return 0
        zone = context.settings.zone
        card = await returns_card(session, self._tasks.get(), team, day, zone, intro)
        leaders = await officers.team_leaders_of(session, team.id)
        reply = Reply(card=card)
        return len(await fan_out(context, job=JOB, to=leaders, reply=reply, suffix=suffix))
