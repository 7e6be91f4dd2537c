"""Workflow 6: monthly one-to-ones.

On the first briefing day of each month, at the team's review time, each supervising
sergeant gets the team's PCSOs with a one-line preparation summary each (last month's
figures, from every workflow's period part). More than 35 days without one is overdue (a
PCSO who never had one counts from the day they joined the roster).
"""

from __future__ import annotations

from datetime import timedelta

from dialogs.jobs import team_job
from dialogs.one_to_one import jobs, views
from dialogs.one_to_one.handlers import TYPED, VERB, Handlers
from dialogs.router import Router
from storage.models import Role

HOLDERS = (Role.SERGEANT.value, Role.INSPECTOR.value)


def register(router: Router) -> None:
    handlers, reminders = Handlers(router.views), jobs.Reminders(router.views)
    router.command(
        "one-to-one",
        handlers.one_to_one,
        roles=HOLDERS,
        usage="one-to-one COLLAR",
        summary=f"record a monthly one-to-one (a card; or typed: {TYPED}, held today)",
    )
    router.command("one to one", handlers.one_to_one, roles=HOLDERS, listed=False)
    router.verb(VERB, handlers.record, roles=HOLDERS)
    router.verb(jobs.OPEN, handlers.open, roles=HOLDERS)
    router.job(
        team_job(
            name=jobs.JOB,
            run=reminders.send,
            due=jobs.reminder_time,
            grace=timedelta(hours=8),
            summary="on the first briefing day of the month, each sergeant's PCSOs to see",
        )
    )
    router.review_section(50, "one_to_ones", views.load_review)
    router.period_section(50, views.load_period)
    router.export_rows(60, views.export_rows, columns=views.COLUMNS)
