"""Workflow 6: monthly one-to-ones.

On the first briefing day of each month, at the team's review time, each supervising
sergeant gets the team's PCSOs with a one-line preparation summary each (last month's
briefing attendance, tasks done, BWV answer rate, vulnerable-person engagements).
`one-to-one COLLAR` records one: the date held, OSARA plan progress, community engagement
notes and whether the pocket notebook was checked. More than 35 days without one is
overdue (a PCSO who never had one counts from the day they joined the roster).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from dialogs.calendar import briefing_days_between, first_briefing_day_of_month
from dialogs.core import Action, Card, Field, Reply, Section, Turn, UserError
from dialogs.counts import parse_notes
from dialogs.jobs import TeamJobContext, fan_out, team_job
from dialogs.officer_day import short_day
from dialogs.router import Router
from dialogs.supervision import parse_date, rate
from storage import officers, rows, supervision
from storage.models import MEMBER_ROLES, Officer, Role, Team
from storage.models.supervision import ONE_TO_ONE_NOTES_MAX, OneToOne
from storage.periods import Figures, period_figures
from storage.review import joined_on
from storage.supervision import OVERDUE_AFTER_DAYS

VERB = "one_to_one.record"
JOB = "one-to-one-reminders"
HOLDERS = (Role.SERGEANT.value, Role.INSPECTOR.value)
TYPED = "one-to-one COLLAR | OSARA progress | engagement notes | pnb yes/no"
YES = ("true", "yes", "y", "done", "checked", "1")
NO = ("false", "no", "n", "not done", "not checked", "0", "")


def register(router: Router) -> None:
    router.command(
        "one-to-one",
        one_to_one,
        roles=HOLDERS,
        usage="one-to-one COLLAR",
        summary=f"record a monthly one-to-one (a card; or typed: {TYPED}, held today)",
    )
    router.command("one to one", one_to_one, roles=HOLDERS, listed=False)
    router.verb(VERB, record, roles=HOLDERS)
    router.job(
        team_job(
            name=JOB,
            run=send_reminders,
            due=reminder_time,
            grace=timedelta(hours=3),
            summary="on the first briefing day of the month, each sergeant's PCSOs to see",
        )
    )


# --- recording ---------------------------------------------------------------------------


async def one_to_one(turn: Turn) -> list[Reply]:
    collar, _, rest = turn.text.partition("|")
    if not collar.strip():
        raise UserError("Type one-to-one and the PCSO's collar number, e.g. one-to-one P301.")
    pcso, team = await _pcso(turn, collar.strip())
    if not rest:
        return [Reply(card=await one_to_one_card(turn, pcso, team))]
    parts = [p.strip() for p in rest.split("|")]
    if len(parts) != 3:
        raise UserError(f"Type {TYPED}. Nothing saved.")
    data = {
        "held_on": turn.today.isoformat(),
        "osara_progress": parts[0],
        "engagement_notes": parts[1],
        "pnb_checked": parts[2].lower().removeprefix("pnb").strip(),
    }
    return await _record(turn, pcso, data, replace=False)


async def record(turn: Turn) -> list[Reply]:
    data = turn.data or {}
    pcso, _team = await _pcso(turn, str(data.get("collar") or ""))
    return await _record(turn, pcso, data, replace=True)


async def _pcso(turn: Turn, collar: str) -> tuple[Officer, Team]:
    """A PCSO or team leader in a team this supervisor may see; nothing said otherwise."""
    found = await officers.by_collar(turn.session, collar) if collar else None
    team = await officers.team(turn.session, found.team_id) if found else None
    if (
        found is None
        or team is None
        or not found.active
        or found.role not in MEMBER_ROLES
        or not await officers.can_see_team(turn.session, turn.officer, team)
    ):
        raise UserError(f"'{collar[:20]}' is not a PCSO in a team you supervise.")
    return found, team


async def _record(
    turn: Turn, pcso: Officer, data: Mapping[str, Any], *, replace: bool
) -> list[Reply]:
    held_on = parse_date(data.get("held_on") or turn.today.isoformat(), "date it was held")
    if held_on > turn.today:
        raise UserError("A one-to-one can only be recorded once it has been held. Nothing saved.")
    osara = _notes(data, "osara_progress", "OSARA progress")
    engagement = _notes(data, "engagement_notes", "Engagement notes")
    checked = _yes_no(data.get("pnb_checked"))
    await rows.add(
        turn.session,
        OneToOne(
            officer_id=pcso.id,
            team_id=pcso.team_id,
            supervisor_id=turn.officer.id,
            held_on=held_on,
            osara_progress=osara,
            engagement_notes=engagement,
            pnb_checked=checked,
            recorded_at=turn.now,
        ),
    )
    due = held_on + timedelta(days=OVERDUE_AFTER_DAYS)
    lines = (
        f"Held {short_day(held_on)}. Pocket notebook check: {'done' if checked else 'not done'}.",
        f"The next one is due by {short_day(due)}.",
    )
    title = f"One-to-one recorded: {pcso.name} ({pcso.collar_number})"
    return [Reply(card=Card(title=title, sections=(Section(lines=lines),)), replace=replace)]


def _notes(data: Mapping[str, Any], key: str, label: str) -> str | None:
    return parse_notes(data, key, ONE_TO_ONE_NOTES_MAX, label)


def _yes_no(raw: object) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw or "").strip().lower()
    if text in YES:
        return True
    if text in NO:
        return False
    raise UserError("Was the pocket notebook checked? Answer yes or no. Nothing saved.")


async def one_to_one_card(turn: Turn, pcso: Officer, team: Team) -> Card:
    first, last = previous_month(turn.today)
    line = (await prep_lines(turn.session, team, [pcso], first, last, turn.today, turn.zone))[0]
    fields = (
        Field("held_on", "Held on", kind="date", value=turn.today.isoformat(), required=True),
        _notes_field("osara_progress", "OSARA plan progress"),
        _notes_field("engagement_notes", "Community engagement"),
        Field("pnb_checked", "Pocket notebook checked", kind="toggle", value="false"),
    )
    return Card(
        title=f"One-to-one: {pcso.name} ({pcso.collar_number})",
        sections=(Section(heading=f"Last month ({first:%B %Y})", lines=(line,)),),
        fields=fields,
        actions=(Action("Record one-to-one", {"verb": VERB, "collar": pcso.collar_number}),),
    )


def _notes_field(key: str, label: str) -> Field:
    return Field(
        key,
        f"{label} (up to {ONE_TO_ONE_NOTES_MAX} characters; no names of members of the public)",
        multiline=True,
        max_length=ONE_TO_ONE_NOTES_MAX,
    )


# --- preparation summaries ---------------------------------------------------------------


def previous_month(day: date) -> tuple[date, date]:
    last = day.replace(day=1) - timedelta(days=1)
    return last.replace(day=1), last


async def prep_lines(
    session: AsyncSession,
    team: Team,
    members: Sequence[Officer],
    first: date,
    last: date,
    today: date,
    zone: ZoneInfo,
) -> list[str]:
    """One line per officer: the period's figures and their last one-to-one."""
    days = briefing_days_between(team, first, last)
    figures = await period_figures(session, team, members, days, zone)
    held = await supervision.last_one_to_ones(session, [m.id for m in members], today)
    return [
        _prep_line(m, figures[m.id], held.get(m.id), joined_on(m, zone), today) for m in members
    ]


def _prep_line(
    member: Officer, figures: Figures, last_held: date | None, joined: date, today: date
) -> str:
    if last_held is None:
        last = "no one-to-one recorded"
    else:
        last = f"last one-to-one {short_day(last_held)}"
    if supervision.is_overdue(last_held, joined, today):
        last += " (overdue)"
    return (
        f"{member.name} ({member.collar_number}): "
        f"briefings {rate(figures.briefings_attended, figures.briefings_expected)}; "
        f"tasks done {figures.tasks_done} of {figures.tasks_assigned}; "
        f"BWV answered {rate(figures.bwv_answered, figures.bwv_due)}; "
        f"vulnerable-person engagements {figures.vulnerable_engagements}; {last}."
    )


# --- the monthly reminder ----------------------------------------------------------------


def reminder_time(team: Team, day: date) -> time | None:
    if day != first_briefing_day_of_month(team, day.year, day.month):
        return None
    return team.review_time


async def send_reminders(context: TeamJobContext) -> int:
    """Each sergeant of the team gets its PCSOs, keyed per sergeant, team and month."""
    team, session, day = context.team, context.session, context.day
    members = await officers.members(session, team.id)
    first, last = previous_month(day)
    lines = await prep_lines(session, team, members, first, last, day, context.settings.zone)
    card = Card(
        title=f"One-to-ones due this month: {team.name}",
        sections=(
            Section(heading=f"Last month ({first:%B %Y})", lines=tuple(lines) or ("No PCSOs.",)),
            Section(lines=("To record one, type one-to-one and the collar number.",)),
        ),
    )
    sergeants = await officers.sergeants_of(session, team.id)
    reply = Reply(card=card)
    return len(await fan_out(context, job=JOB, to=sergeants, reply=reply, suffix=f"team{team.id}"))
