"""The BWV category reminder, at the team's BWV time, to each member on duty that day."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from dialogs.bwv.cards import reminder_card
from dialogs.core import Reply
from dialogs.jobs import TeamJobContext, fan_out
from dialogs.presence import Duty

REMINDERS = "bwv-reminders"


def send_reminders(duty: Duty) -> Callable[[TeamJobContext], Awaitable[int]]:
    async def reminders(context: TeamJobContext) -> int:
        """To each member on duty: answered in person or remote, or did not answer; not away."""
        card = reminder_card(context.day, None, context.settings.zone)
        on_duty = await duty.on_duty(context.session, context.team.id, context.day)
        return len(await fan_out(context, job=REMINDERS, to=on_duty, reply=Reply(card=card)))

    return reminders
