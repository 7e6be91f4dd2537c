"""Workflow 4: the body-worn video (BWV) category reminder and its one-tap answers.

At the team's BWV time each member on duty that day is reminded to categorise the day's
footage, naming the category the IOPC recommendation is about, and asked whether they
engaged with a vulnerable person (`vulnerable_contact`, the answer the signals read).
"""

from __future__ import annotations

from datetime import timedelta

from dialogs.bwv import handlers, jobs, trends, views
from dialogs.bwv.cards import SHOW, VERB
from dialogs.bwv.models import BWV_STATUSES, VULNERABLE_CONTACT
from dialogs.jobs import on_briefing_days, team_job
from dialogs.records import parse_time
from dialogs.router import Router
from dialogs.wording import spoken
from storage.models import MEMBER_ROLES


def register(router: Router) -> None:
    router.command(
        "bwv",
        handlers.guidance,
        summary=f"body-worn video guidance (answer with {handlers.ACCEPTED}; add "
        "', vulnerable yes' or ', vulnerable no', or type vulnerable yes / no on its own)",
    )
    for status in BWV_STATUSES:
        router.command(spoken(status), handlers.typed(status), roles=MEMBER_ROLES, listed=False)
        if "_" in status:
            router.command(status, handlers.typed(status), roles=MEMBER_ROLES, listed=False)
    router.command("categorized", handlers.typed("categorised"), roles=MEMBER_ROLES, listed=False)
    for said in VULNERABLE_CONTACT:
        # longer than `vulnerable` (the guidance), so these win for `vulnerable yes`/`no`
        router.command(
            f"vulnerable {said}", handlers.typed_vulnerable(said), roles=MEMBER_ROLES, listed=False
        )
    router.verb(VERB, handlers.confirm, roles=MEMBER_ROLES)
    router.verb(SHOW, handlers.show, roles=MEMBER_ROLES)
    router.job(
        team_job(
            name=jobs.REMINDERS,
            run=jobs.send_reminders(router.duty),
            due=on_briefing_days("bwv_time"),
            grace=timedelta(hours=1),
            summary="the BWV category reminder, to each officer on duty",
        )
    )
    router.review_section(40, "bwv", views.load_review)
    router.period_section(30, views.load_period)
    router.my_week_section(20, views.load_week)
    router.trend_section(20, trends.load_trend)
    router.export_rows(50, views.export_rows, columns=views.COLUMNS)
    router.team_setting("bwv_time", parse_time)
