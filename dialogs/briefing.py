"""Workflow 1: the daily briefing prompt, its single nudge, and the answers (card or typed).

An answer is a new row each time (changes are kept, the latest counts); one given at or after
the team's review time is recorded as late. A card answer carries the day its prompt was for,
so tapping yesterday's card never books an answer for today.
"""

from __future__ import annotations

from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from dialogs.calendar import at_local, is_briefing_day
from dialogs.core import Action, Card, Field, Reply, Section, Turn, UserError
from dialogs.counts import parse_notes
from dialogs.jobs import TeamJobContext, fan_out, on_briefing_days, team_job
from dialogs.officer_day import (
    ANSWER_TITLES,
    answer_day,
    hhmm,
    home_team,
    local_hhmm,
    short_day,
    spoken,
)
from dialogs.router import Handler, Router, normalise
from storage import officer_day, officers, rows
from storage.models import (
    ABSENCE_REASONS,
    ATTENDANCE_ANSWERS,
    MEMBER_ROLES,
    AttendanceAnswer,
    Officer,
    Team,
)

PROMPTS = "briefing-prompts"
NUDGES = "briefing-nudges"
VERB = "briefing.attend"
NOT_ATTENDING = "not_attending"
NOTE_LIMIT = 500
ACCEPTED = "in person, remote, rest day, annual leave, sick, training, other duty or court"
TYPED = {spoken(answer): answer for answer in ATTENDANCE_ANSWERS}
UNANSWERED = Section(
    lines=("Tap how you are attending, or choose a reason and tap Not attending.",)
)
NUDGE_TEXT = (
    "Reminder: you have not answered today's briefing yet. Tap an answer below, "
    "or type in person, remote, or a reason such as rest day."
)


def register(router: Router) -> None:
    router.command(
        "briefing",
        briefing,
        summary="today's briefing card (or just type in person, remote, sick, rest day...)",
        roles=MEMBER_ROLES,
    )
    for answer in ATTENDANCE_ANSWERS:
        router.command(spoken(answer), _typed(answer), roles=MEMBER_ROLES, listed=False)
        if "_" in answer:
            router.command(answer, _typed(answer), roles=MEMBER_ROLES, listed=False)
    router.verb(VERB, attend, roles=MEMBER_ROLES)
    router.job(
        team_job(
            name=PROMPTS,
            run=send_prompts,
            due=prompt_time,
            grace=timedelta(hours=1),
            summary="the briefing attendance prompt, at each team's briefing time",
        )
    )
    router.job(
        team_job(
            name=NUDGES,
            run=send_nudges,
            due=nudge_time,
            grace=timedelta(hours=1),
            summary="one nudge to those who have not answered the briefing prompt",
        )
    )


# --- answers -----------------------------------------------------------------------------


async def briefing(turn: Turn) -> list[Reply]:
    """`briefing` shows today's card; `briefing remote` (any answer) records it."""
    team = await home_team(turn)
    said = normalise(turn.text).replace("_", " ")
    if said:
        answer = TYPED.get(said)
        if answer is None:
            raise UserError(
                f"Sorry, '{said[:40]}' is not a briefing answer. Type one of: {ACCEPTED}."
            )
        return await _record(turn, team, turn.today, answer, None, source="text")
    if not is_briefing_day(team, turn.today):
        return [Reply(text=_no_briefing(team, turn.today))]
    current = await officer_day.latest(turn.session, AttendanceAnswer, turn.officer.id, turn.today)
    lead = await lead_of(turn.session, team)
    return [Reply(card=briefing_card(team, turn.today, lead, current, turn.zone))]


def _typed(answer: str) -> Handler:
    async def typed(turn: Turn) -> list[Reply]:
        if turn.text.strip():
            raise UserError(f"To answer today's briefing, type just one of: {ACCEPTED}.")
        team = await home_team(turn)
        return await _record(turn, team, turn.today, answer, None, source="text")

    return typed


async def attend(turn: Turn) -> list[Reply]:
    """`briefing.attend` from the card (Action.Submit or Action.Execute)."""
    data = turn.data or {}
    team = await home_team(turn)
    attendance = _chosen(data)
    note = _note(data)
    return await _record(
        turn, team, answer_day(turn), attendance, note, source="card", replace=True
    )


def _chosen(data: dict[str, object]) -> str:
    value = str(data.get("attendance") or "").strip().lower()
    if value == NOT_ATTENDING:
        value = str(data.get("reason") or "").strip().lower()
        if not value:
            raise UserError("Choose a reason for not attending first. Nothing saved.")
    if value not in ATTENDANCE_ANSWERS:
        raise UserError(
            f"'{value[:30]}' is not a briefing answer. Choose one of: {ACCEPTED}. Nothing saved."
        )
    return value


def _note(data: dict[str, object]) -> str | None:
    return parse_notes(data, "note", NOTE_LIMIT)


async def _record(
    turn: Turn,
    team: Team,
    day: date,
    attendance: str,
    note: str | None,
    *,
    source: str,
    replace: bool = False,
) -> list[Reply]:
    _check_day(turn, team, day)
    answer = await rows.add(
        turn.session,
        AttendanceAnswer(
            officer_id=turn.officer.id,
            team_id=team.id,
            day=day,
            attendance=attendance,
            note=note,
            answered_at=turn.now,
            late=turn.now >= at_local(day, team.review_time, turn.zone),
            source=source,
        ),
    )
    lead = await lead_of(turn.session, team)
    return [Reply(card=briefing_card(team, day, lead, answer, turn.zone), replace=replace)]


def _check_day(turn: Turn, team: Team, day: date) -> None:
    """Answers are for today's briefing only; an old card is refused, not booked as today."""
    if day > turn.today:
        raise UserError(f"That card is for {short_day(day)}, which has not started yet.")
    if day < turn.today:
        raise UserError(
            f"That card was for {short_day(day)}; answers for that day have closed. "
            "Type briefing for today's card. Nothing saved."
        )
    if not is_briefing_day(team, day):
        raise UserError(_no_briefing(team, day) + " Nothing saved.")


def _no_briefing(team: Team, day: date) -> str:
    return f"There is no {team.name} briefing today ({short_day(day)})."


# --- the card ----------------------------------------------------------------------------


async def lead_of(session: AsyncSession, team: Team) -> str:
    """Who leads the briefing: the team setting, else the team leaders on the roster."""
    if team.briefing_lead:
        return team.briefing_lead
    leaders = await officers.team_leaders_of(session, team.id)
    return ", ".join(leader.name for leader in leaders) or "your team leader"


def briefing_card(
    team: Team, day: date, lead: str, current: AttendanceAnswer | None, zone: ZoneInfo
) -> Card:
    """The prompt; once answered, it also shows what was recorded and when."""
    facts = (("When", f"{short_day(day)}, {hhmm(team.briefing_time)}"), ("Led by", lead))
    status = _recorded(current, team, zone) if current else (UNANSWERED,)
    absence = current.attendance if current and current.attendance in ABSENCE_REASONS else None
    fields = (
        Field(
            id="reason",
            label="Not attending? Reason",
            kind="choice",
            choices=tuple((reason, ANSWER_TITLES[reason]) for reason in ABSENCE_REASONS),
            value=absence,
        ),
        Field(
            id="note",
            label=f"Note (optional, up to {NOTE_LIMIT} characters)",
            max_length=NOTE_LIMIT,
            placeholder="No names of members of the public",
            value=current.note if current and current.note else None,
        ),
    )
    answer = {"verb": VERB, "day": day.isoformat()}
    actions = (
        Action("In person", {**answer, "attendance": "in_person"}, style="positive"),
        Action("Remote", {**answer, "attendance": "remote"}),
        Action("Not attending", {**answer, "attendance": NOT_ATTENDING}),
    )
    links = (("Join the briefing on Teams", team.remote_link),) if team.remote_link else ()
    return Card(
        title=f"Briefing: {team.name}",
        sections=(Section(facts=facts), *status),
        fields=fields,
        actions=actions,
        links=links,
    )


def _recorded(answer: AttendanceAnswer, team: Team, zone: ZoneInfo) -> tuple[Section, ...]:
    review = hhmm(team.review_time)
    facts = [("Your answer", ANSWER_TITLES[answer.attendance])]
    if answer.note:
        facts.append(("Note", answer.note))
    facts.append(("Recorded at", local_hhmm(answer.answered_at, zone)))
    if answer.late:
        heading = f"Recorded late (after the {review} review)"
        line = "You can still change it; changes now are marked late too."
    else:
        heading = "Recorded"
        line = f"You can change it until the {review} review: tap another answer."
    return Section(heading=heading, facts=tuple(facts)), Section(lines=(line,))


# --- the jobs ----------------------------------------------------------------------------


prompt_time = on_briefing_days("briefing_time")


def nudge_time(team: Team, day: date) -> time | None:
    """Briefing time plus the team's nudge delay (0 turns the nudge off), the same day."""
    start = prompt_time(team, day)
    if start is None or team.nudge_minutes <= 0:
        return None
    minutes = start.hour * 60 + start.minute + team.nudge_minutes
    return time(minutes // 60, minutes % 60) if minutes < 24 * 60 else None


async def _answers(context: TeamJobContext) -> dict[tuple[int, date], AttendanceAnswer]:
    day = context.day
    return await officer_day.latest_answers(
        context.session, AttendanceAnswer, day, day, team_id=context.team.id
    )


async def send_prompts(context: TeamJobContext) -> int:
    """One card per member not away (it shows an answer already typed, and the link)."""
    team, day, zone = context.team, context.day, context.settings.zone
    lead = await lead_of(context.session, team)
    answers = await _answers(context)

    def card(member: Officer) -> Reply:
        return Reply(card=briefing_card(team, day, lead, answers.get((member.id, day)), zone))

    members = await officer_day.not_away(context.session, team.id, day)
    return len(await fan_out(context, job=PROMPTS, to=members, reply=card))


async def send_nudges(context: TeamJobContext) -> int:
    """One nudge to each member who was prompted, is not away, and has not answered."""
    team, day = context.team, context.day
    prompted = await officer_day.delivered_to(context.session, PROMPTS, team.id, day)
    answers = await _answers(context)
    lead = await lead_of(context.session, team)
    card = briefing_card(team, day, lead, None, context.settings.zone)
    waiting = [
        member
        for member in await officer_day.not_away(context.session, team.id, day)
        if member.id in prompted and (member.id, day) not in answers
    ]
    reply = Reply(text=NUDGE_TEXT, card=card)
    return len(await fan_out(context, job=NUDGES, to=waiting, reply=reply))
