"""The daily briefing prompt and its single nudge, at the team's briefing time."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, time

from dialogs.briefing.cards import briefing_card
from dialogs.briefing.queries import day_answers, lead_of
from dialogs.core import Reply
from dialogs.jobs import TeamJobContext, fan_out, on_briefing_days
from dialogs.presence import Duty
from storage import outbox
from storage.models import Officer, Team

PROMPTS = "briefing-prompts"
NUDGES = "briefing-nudges"
NUDGE_TEXT = (
    "Reminder: you have not answered today's briefing yet. Tap an answer below, "
    "or type in person, remote, or a reason such as rest day."
)

prompt_time = on_briefing_days("briefing_time")
TeamJob = Callable[[TeamJobContext], Awaitable[int]]


def nudge_time(team: Team, day: date) -> time | None:
    """Briefing time plus the team's nudge delay (0 turns the nudge off), the same day."""
    start = prompt_time(team, day)
    if start is None or team.nudge_minutes <= 0:
        return None
    minutes = start.hour * 60 + start.minute + team.nudge_minutes
    return time(minutes // 60, minutes % 60) if minutes < 24 * 60 else None


def send_prompts(duty: Duty) -> TeamJob:
    async def prompts(context: TeamJobContext) -> int:
        """One card per member not away (it shows an answer already typed, and the link)."""
        team, day, zone = context.team, context.day, context.settings.zone
        lead = await lead_of(context.session, team)
        answers = await day_answers(context.session, team.id, [day])

        def card(member: Officer) -> Reply:
            return Reply(card=briefing_card(team, day, lead, answers.get((member.id, day)), zone))

        members = await duty.not_away(context.session, team.id, day)
        return len(await fan_out(context, job=PROMPTS, to=members, reply=card))

    return prompts


def send_nudges(duty: Duty) -> TeamJob:
    async def nudges(context: TeamJobContext) -> int:
        """One nudge to each member who was prompted, is not away, and has not answered."""
        team, day = context.team, context.day
        prompted = await outbox.delivered_to(context.session, PROMPTS, team.id, day)
        answers = await day_answers(context.session, team.id, [day])
        lead = await lead_of(context.session, team)
        card = briefing_card(team, day, lead, None, context.settings.zone)
        waiting = [
            member
            for member in await duty.not_away(context.session, team.id, day)
            if member.id in prompted and (member.id, day) not in answers
        ]
        reply = Reply(text=NUDGE_TEXT, card=card)
        return len(await fan_out(context, job=NUDGES, to=waiting, reply=reply))

    return nudges
