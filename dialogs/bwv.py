"""Workflow 4: the body-worn video (BWV) category reminder and its one-tap answers.

At the team's BWV time each member on duty that day is reminded to categorise the day's
footage, naming the category the IOPC recommendation is about. `need_help` shows the
guidance and records a message to each of the team's supervising sergeants in the same
transaction, so it is sent only if the answer is committed.
"""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from dialogs.core import Action, Card, Reply, Section, Turn, UserError
from dialogs.jobs import TeamJobContext, fan_out, on_briefing_days, team_job
from dialogs.officer_day import (
    answer_day,
    check_end_of_shift_day,
    home_team,
    local_hhmm,
    short_day,
    spoken,
)
from dialogs.router import Handler, Router
from storage import officer_day, officers, outbox, rows
from storage.models import BWV_STATUSES, MEMBER_ROLES, BwvAnswer, Team

REMINDERS = "bwv-reminders"
NEED_HELP = "bwv-need-help"
VERB = "bwv.confirm"
CATEGORY = "Vulnerable person concern – no offence disclosed"
GUIDANCE = (
    "Categorise all of today's body-worn video footage before you go off duty.",
    f"Where you engaged with a vulnerable person and no offence was disclosed, use the category "
    f'"{CATEGORY}", so the footage is kept and can be reviewed.',
    "Not sure? Tap Need help (or type need help) and your sergeant will be told.",
)
TITLES = {"categorised": "Categorised", "no_footage": "No footage today", "need_help": "Need help"}
ACCEPTED = "categorised, no footage or need help"


def register(router: Router) -> None:
    router.command("bwv", guidance, summary=f"body-worn video guidance (answer with {ACCEPTED})")
    for status in BWV_STATUSES:
        router.command(spoken(status), _typed(status), roles=MEMBER_ROLES, listed=False)
        if "_" in status:
            router.command(status, _typed(status), roles=MEMBER_ROLES, listed=False)
    router.command("categorized", _typed("categorised"), roles=MEMBER_ROLES, listed=False)
    router.verb(VERB, confirm, roles=MEMBER_ROLES)
    router.job(
        team_job(
            name=REMINDERS,
            run=send_reminders,
            due=on_briefing_days("bwv_time"),
            grace=timedelta(hours=2),
            summary="the BWV category reminder, to each officer on duty",
        )
    )


async def guidance(turn: Turn) -> list[Reply]:
    return [Reply(card=Card(title="Body-worn video: categorising footage", sections=_guidance()))]


def _guidance() -> tuple[Section, ...]:
    return (Section(lines=GUIDANCE),)


def _typed(status: str) -> Handler:
    async def typed(turn: Turn) -> list[Reply]:
        if turn.text.strip():
            raise UserError(f"To answer today's BWV reminder, type just one of: {ACCEPTED}.")
        return await _record(turn, turn.today, status, replace=False)

    return typed


async def confirm(turn: Turn) -> list[Reply]:
    """`bwv.confirm` from the reminder card."""
    status = str((turn.data or {}).get("bwv_status") or "").strip().lower()
    if status not in BWV_STATUSES:
        raise UserError(f"'{status[:30]}' is not a BWV answer. Choose {ACCEPTED}. Nothing saved.")
    return await _record(turn, answer_day(turn), status, replace=True)


async def _record(turn: Turn, day: date, status: str, *, replace: bool) -> list[Reply]:
    team = await home_team(turn)
    check_end_of_shift_day(turn, team, day, "reminder")
    answer = await rows.add(
        turn.session,
        BwvAnswer(
            officer_id=turn.officer.id,
            team_id=team.id,
            day=day,
            bwv_status=status,
            answered_at=turn.now,
        ),
    )
    told = await _tell_sergeants(turn, team, answer) if status == "need_help" else None
    return [Reply(card=reminder_card(day, answer, turn.zone, told), replace=replace)]


async def _tell_sergeants(turn: Turn, team: Team, answer: BwvAnswer) -> str:
    """Record a message to each supervising sergeant, once per officer and day however often
    they tap Need help (the delivery key names the officer); what to tell the officer."""
    sergeants = await officers.sergeants_of(turn.session, team.id)
    me = turn.officer
    text = (
        f"BWV help requested: {me.name} ({me.collar_number}), {team.name}, asked for help "
        f"categorising body-worn video footage for {short_day(answer.day)}. "
        "Please get in touch with them."
    )
    for sergeant in sergeants:
        await outbox.enqueue(
            turn.session,
            job=NEED_HELP,
            officer_id=sergeant.id,
            team_id=team.id,
            day=answer.day,
            payload=Reply(text=text).to_dict(),
            now=turn.now,
            suffix=f"officer{me.id}",
        )
    if not sergeants:
        return "Your team has no supervising sergeant on the roster: please ask your team leader."
    names = ", ".join(s.name for s in sergeants)
    return f"Your sergeant ({names}) has been told you asked for help."


def reminder_card(
    day: date, current: BwvAnswer | None, zone: ZoneInfo, told: str | None = None
) -> Card:
    sections = [Section(facts=(("Day", short_day(day)),)), *_guidance()]
    if current is not None:
        facts = (
            ("Your answer", TITLES[current.bwv_status]),
            ("Recorded at", local_hhmm(current.answered_at, zone)),
        )
        sections.append(Section(heading="Recorded", facts=facts))
        sections.append(Section(lines=(told or "Tap another answer to change it.",)))
    data = {"verb": VERB, "day": day.isoformat()}
    actions = tuple(
        Action(
            TITLES[status],
            {**data, "bwv_status": status},
            style="positive" if status == "categorised" else "default",
        )
        for status in BWV_STATUSES
    )
    return Card(
        title="Body-worn video: categorise your footage",
        sections=tuple(sections),
        actions=actions,
    )


async def send_reminders(context: TeamJobContext) -> int:
    """To each member on duty: answered in person or remote, or did not answer; not away."""
    card = reminder_card(context.day, None, context.settings.zone)
    on_duty = await officer_day.on_duty(context.session, context.team.id, context.day)
    return len(await fan_out(context, job=REMINDERS, to=on_duty, reply=Reply(card=card)))
