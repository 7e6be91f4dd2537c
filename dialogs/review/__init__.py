"""Workflow 5: the sergeant's morning review, one card per team, exceptions first.

At the team's review time each supervising sergeant gets the team's card: what needs
attention, then each workflow's part (today's briefing attendance, the previous briefing
day's tasks, returns and BWV answers...). `review [TEAM] [DATE]` gives it on demand.
"""

from __future__ import annotations

from datetime import timedelta

from dialogs.jobs import on_briefing_days, team_job
from dialogs.records import parse_time, whole
from dialogs.review import periods
from dialogs.review.card import SHOW, VERB
from dialogs.review.handlers import Handlers
from dialogs.review.jobs import JOB, Reviews
from dialogs.router import Router
from dialogs.supervision import REVIEWERS

MAX_RATIO = 100


def register(router: Router) -> None:
    handlers = Handlers(router.views)
    router.command(
        "review",
        handlers.show_review,
        roles=REVIEWERS,
        usage="review [TEAM] [DATE]",
        summary="a team's morning review, e.g. review Maidstone PSTF 2026-12-01",
    )
    router.command(
        "reviewed",
        handlers.mark_reviewed,
        roles=REVIEWERS,
        usage="reviewed [TEAM] [DATE]",
        summary="mark a team's morning review as read (the Reviewed button, typed)",
    )
    router.verb(VERB, handlers.acknowledge, roles=REVIEWERS)
    router.verb(SHOW, handlers.refresh, roles=REVIEWERS)
    router.job(
        team_job(
            name=JOB,
            run=Reviews(router.views).send,
            due=on_briefing_days("review_time"),
            grace=timedelta(hours=8),
            summary="the morning review card to each supervising sergeant",
        )
    )
    router.period_section(60, periods.load_period)
    router.team_setting("review_time", parse_time)
    router.team_setting("supervision_ratio", whole(1, MAX_RATIO))
