"""The PCSO daily return card, at the returns time, for teams that use PCSO returns."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, time

from dialogs.core import Reply
from dialogs.jobs import TeamJobContext, fan_out, on_briefing_days
from dialogs.pcso_returns.cards import return_card
from dialogs.presence import Duty
from storage.models import Role, Team

PROMPTS = "pcso-returns"

_on_returns_days = on_briefing_days("returns_time")


def prompt_time(team: Team, day: date) -> time | None:
    """The returns time on briefing days, for teams that use PCSO daily returns."""
    return _on_returns_days(team, day) if team.pcso_returns else None


def send_prompts(duty: Duty) -> Callable[[TeamJobContext], Awaitable[int]]:
    async def prompts(context: TeamJobContext) -> int:
        """One card per PCSO on duty that day (team leaders send the team's return instead)."""
        card = return_card(context.day, None, context.settings.zone)
        on_duty = await duty.on_duty(context.session, context.team.id, context.day)
        pcsos = [m for m in on_duty if m.role == Role.PCSO.value]
        return len(await fan_out(context, job=PROMPTS, to=pcsos, reply=Reply(card=card)))

    return prompts
