"""Workflow 3: the optional PCSO daily return (off unless the team turns `pcso_returns` on).

One card per PCSO on duty at the team's returns time: the five counts of the team return and
a note.
"""

from __future__ import annotations

from datetime import timedelta

from dialogs.counts import COUNT_FIELDS
from dialogs.jobs import team_job
from dialogs.pcso_returns import handlers, jobs, trends, views
from dialogs.pcso_returns.cards import VERB
from dialogs.records import parse_flag
from dialogs.router import Router
from storage.models import MEMBER_ROLES


def register(router: Router) -> None:
    router.command(
        "my return",
        handlers.my_return,
        usage="my return [CADS THEMIS INTEL ENGAGEMENTS VULNERABLE [notes]]",
        summary="your daily return, where your team uses them",
        roles=MEMBER_ROLES,
    )
    router.verb(VERB, handlers.submit, roles=MEMBER_ROLES)
    router.job(
        team_job(
            name=jobs.PROMPTS,
            run=jobs.send_prompts(router.duty),
            due=jobs.prompt_time,
            grace=timedelta(minutes=30),
            summary="the PCSO daily return card, for teams that use them",
        )
    )
    router.review_section(30, "pcso_returns", views.load_review)
    router.period_section(40, views.load_period)
    router.my_week_section(30, views.load_week)
    router.trend_section(40, trends.load_trend)
    router.export_rows(40, views.export_rows, columns=COUNT_FIELDS)
    router.team_setting("pcso_returns", parse_flag)
