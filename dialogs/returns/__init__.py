"""Workflow 2b: the team's end-of-day returns, and their reminders.

At the team's returns time the team leaders get the returns card, pre-filled with the
day's tasks (from the router's `TaskBook`): an outcome and note per task, the five team
counts and notes.
"""

from __future__ import annotations

from datetime import timedelta

from dialogs.jobs import team_job
from dialogs.records import parse_time
from dialogs.returns import jobs, trends, views
from dialogs.returns.cards import VERB
from dialogs.returns.handlers import TYPED_EXAMPLE, Handlers
from dialogs.returns.queries import returns_against_tasks
from dialogs.router import Router
from dialogs.supervision import POSTERS

# An end-of-day reminder is sent only this soon after its time (dialogs/jobs.py's table).
SHORTLY_AFTER = timedelta(minutes=30)


def register(router: Router) -> None:
    handlers, reminders = Handlers(router.tasks), jobs.Reminders(router.tasks)
    router.command(
        "returns",
        handlers.returns,
        roles=POSTERS,
        usage="returns [TEAM]",
        summary=f"today's returns card (or typed: {TYPED_EXAMPLE})",
    )
    router.verb(VERB, handlers.submit, roles=POSTERS)
    router.tasks_in_use(returns_against_tasks)
    router.job(
        team_job(
            name=jobs.JOB,
            run=reminders.send_prompts,
            due=jobs.prompt_time,
            grace=SHORTLY_AFTER,
            until=jobs.repeat_time,
            summary="the returns card to team leaders at the team's returns time",
        )
    )
    router.job(
        team_job(
            name=jobs.REPEAT_JOB,
            run=reminders.send_reminders,
            due=jobs.repeat_time,
            grace=SHORTLY_AFTER,
            follows=jobs.JOB,
            summary="one reminder an hour later, if no returns have arrived",
        )
    )
    router.review_section(20, "returns", views.review_loader(router.tasks))
    router.period_section(20, views.period_loader(router.tasks))
    router.trend_section(30, trends.load_trend)
    router.export_rows(30, views.export_loader(router.tasks), columns=views.COLUMNS)
    router.team_setting("returns_time", parse_time)
