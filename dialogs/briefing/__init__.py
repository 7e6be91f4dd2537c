"""Workflow 1: the daily briefing prompt, its single nudge, and the answers (card or typed).

Briefing answers also say who is off duty on the day (an answer of sick, rest day...), for
every other workflow that asks the router's `duty`.
"""

from __future__ import annotations

from datetime import date, time, timedelta

from dialogs.briefing import handlers, jobs, queries, review, trends, views
from dialogs.briefing.cards import SHOW, VERB
from dialogs.briefing.models import ATTENDANCE_ANSWERS
from dialogs.jobs import later_by, team_job
from dialogs.records import parse_flag, parse_time, whole
from dialogs.router import Router
from dialogs.wording import spoken
from storage.models import MEMBER_ROLES, Team

# How long the briefing is taken to be on: the prompt's window (dialogs/jobs.py's table).
BRIEFING_HOUR = timedelta(hours=1)
briefing_over = later_by(jobs.prompt_time, BRIEFING_HOUR)


def nudge_until(team: Team, day: date) -> time | None:
    """A nudge is no use once the review reads the answers or the briefing's hour is over."""
    over = briefing_over(team, day)
    return team.review_time if over is None else min(over, team.review_time)


def register(router: Router) -> None:
    router.command(
        "briefing",
        handlers.briefing,
        summary="today's briefing card (or just type in person, remote, sick, rest day...)",
        roles=MEMBER_ROLES,
    )
    for answer in ATTENDANCE_ANSWERS:
        router.command(spoken(answer), handlers.typed(answer), roles=MEMBER_ROLES, listed=False)
        if "_" in answer:
            router.command(answer, handlers.typed(answer), roles=MEMBER_ROLES, listed=False)
    router.verb(VERB, handlers.attend, roles=MEMBER_ROLES)
    router.verb(SHOW, handlers.show, roles=MEMBER_ROLES)
    router.job(
        team_job(
            name=jobs.PROMPTS,
            run=jobs.send_prompts(router.duty),
            due=jobs.prompt_time,
            grace=BRIEFING_HOUR,
            summary="the briefing attendance prompt, at each team's briefing time",
        )
    )
    router.job(
        team_job(
            name=jobs.NUDGES,
            run=jobs.send_nudges(router.duty),
            due=jobs.nudge_time,
            grace=BRIEFING_HOUR,
            until=nudge_until,
            follows=jobs.PROMPTS,
            summary="one nudge to those who have not answered the briefing prompt",
        )
    )
    router.absence(queries.said_absences, planned=False)
    router.review_section(10, "attendance", review.load)
    router.period_section(10, views.load_period)
    router.my_week_section(10, views.load_week)
    router.trend_section(10, trends.load_trend)
    router.trend_absence(trends.said_absence)
    router.export_rows(10, views.export_rows)
    router.team_setting("briefing_time", parse_time)
    router.team_setting("briefing_days", views.parse_briefing_days)
    router.team_setting("briefing_on_bank_holidays", parse_flag)
    router.team_setting("nudge_minutes", whole(0, views.MAX_NUDGE_MINUTES))
    router.team_setting("remote_link", views.parse_link)
    router.team_setting("briefing_lead", views.parse_lead)
    router.team_check(views.follows_briefing)
