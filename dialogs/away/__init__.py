"""Away periods: no prompts go to an officer on the days they are away, and the review shows
the reason. Away periods are the planned absences every other workflow sees through the
router's `duty`."""

from __future__ import annotations

from dialogs.away import handlers, queries, trends, views
from dialogs.router import Router
from storage.models import MEMBER_ROLES


def register(router: Router) -> None:
    router.command(
        "away",
        handlers.away,
        usage=handlers.USAGE,
        summary="no prompts while you are away (e.g. away 2026-12-01 to 2026-12-14 annual leave)",
        roles=MEMBER_ROLES,
    )
    router.command(
        "back", handlers.back, summary="you are back: prompts start again", roles=MEMBER_ROLES
    )
    router.absence(queries.planned_absences, planned=True)
    router.review_section(15, "away", views.load_review)
    router.period_section(15, views.load_period)
    router.my_week_section(90, views.load_week)
    router.trend_away(trends.load_away, trends.booked)
