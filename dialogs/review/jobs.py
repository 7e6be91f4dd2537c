"""At the team's review time each supervising sergeant gets the team's review card."""

from __future__ import annotations

from dialogs.core import Reply
from dialogs.jobs import TeamJobContext, fan_out
from dialogs.review.card import review_card
from dialogs.review.view import load_review
from dialogs.router import Views
from storage import audit, officers
from storage.models import Officer

JOB = "morning-review"


class Reviews:
    def __init__(self, views: Views) -> None:
        self._views = views

    async def send(self, context: TeamJobContext) -> int:
        """One card per supervising sergeant, keyed per sergeant, team and day."""
        team, session, zone = context.team, context.session, context.settings.zone
        review = await load_review(session, team, context.day, zone, self._views)

        def card(sergeant: Officer) -> Reply:
            return Reply(card=review_card(review, sergeant.id, zone))

        sergeants = await officers.sergeants_of(session, team.id)
        sent = await fan_out(context, job=JOB, to=sergeants, reply=card, suffix=f"team{team.id}")
        for sergeant in sent:
            await audit.record(
                session,
                "review.sent",
                at=context.recorded_at,
                actor="system",
                to=sergeant.collar_number,
                team=team.name,
                day=context.day.isoformat(),
            )
        return len(sent)
