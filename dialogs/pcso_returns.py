"""Workflow 3: the optional PCSO daily return (off unless the team turns `pcso_returns` on).

One card per PCSO on duty at the team's returns time: the five counts of the team return and
a note. Typed: `my return 3 1 0 12 2 [notes]`. Every submission is a new row; the latest counts.
"""

from __future__ import annotations

from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

from dialogs.core import Action, Card, Reply, Section, Turn, UserError
from dialogs.counts import (
    NOTES_HINT,
    count_facts,
    count_fields,
    count_values,
    counts_from_words,
    notes_field,
    parse_counts,
    parse_notes,
)
from dialogs.jobs import TeamJobContext, fan_out, on_briefing_days, team_job
from dialogs.officer_day import (
    answer_day,
    check_end_of_shift_day,
    home_team,
    local_hhmm,
    short_day,
)
from dialogs.router import Router
from storage import officer_day, rows
from storage.models import COUNT_FIELDS, MEMBER_ROLES, PcsoReturn, Role, Team

PROMPTS = "pcso-returns"
VERB = "pcso_return.submit"
USAGE = "my return CADS THEMIS INTEL ENGAGEMENTS VULNERABLE [notes]"


def register(router: Router) -> None:
    router.command(
        "my return",
        my_return,
        usage="my return [CADS THEMIS INTEL ENGAGEMENTS VULNERABLE [notes]]",
        summary="your daily return, where your team uses them",
        roles=MEMBER_ROLES,
    )
    router.verb(VERB, submit, roles=MEMBER_ROLES)
    router.job(
        team_job(
            name=PROMPTS,
            run=send_prompts,
            due=prompt_time,
            grace=timedelta(hours=2),
            summary="the PCSO daily return card, for teams that use them",
        )
    )


async def my_return(turn: Turn) -> list[Reply]:
    """No arguments: today's card. Five numbers (and optional notes): record them."""
    team = await _returns_team(turn)
    words = turn.text.split()
    if not words:
        current = await officer_day.latest(turn.session, PcsoReturn, turn.officer.id, turn.today)
        return [Reply(card=return_card(turn.today, current, turn.zone))]
    if len(words) < len(COUNT_FIELDS):
        raise UserError(f"Nothing saved. Type {USAGE}, for example: my return 3 1 0 12 2.")
    counts = counts_from_words(words[: len(COUNT_FIELDS)])
    notes = parse_notes({"notes": " ".join(words[len(COUNT_FIELDS) :])})
    return await _record(turn, team, turn.today, counts, notes, replace=False)


async def submit(turn: Turn) -> list[Reply]:
    """`pcso_return.submit` from the card."""
    data = turn.data or {}
    team = await _returns_team(turn)
    counts = parse_counts(data)
    notes = parse_notes(data)
    return await _record(turn, team, answer_day(turn), counts, notes, replace=True)


async def _returns_team(turn: Turn) -> Team:
    team = await home_team(turn)
    if not team.pcso_returns:
        raise UserError(
            f"{team.name} does not use PCSO daily returns, so there is nothing to send."
        )
    return team


async def _record(
    turn: Turn,
    team: Team,
    day: date,
    counts: dict[str, int],
    notes: str | None,
    *,
    replace: bool,
) -> list[Reply]:
    check_end_of_shift_day(turn, team, day, "return")
    row = await rows.add(
        turn.session,
        PcsoReturn(
            officer_id=turn.officer.id,
            team_id=team.id,
            day=day,
            notes=notes,
            submitted_at=turn.now,
            **counts,
        ),
    )
    return [Reply(card=return_card(day, row, turn.zone), replace=replace)]


def return_card(day: date, current: PcsoReturn | None, zone: ZoneInfo) -> Card:
    """The return form, pre-filled with the last submission (which it also summarises)."""
    sections = [Section(lines=("Whole numbers from 0 to 999.", NOTES_HINT))]
    values = count_values(current) if current else None
    if current is not None:
        sections.append(
            Section(
                heading=f"Recorded at {local_hhmm(current.submitted_at, zone)}",
                facts=count_facts(count_values(current)),
                lines=("To change it, edit the numbers and send again; the latest counts.",),
            )
        )
    label = "Send changes" if current else "Send return"
    return Card(
        title=f"Your daily return: {short_day(day)}",
        sections=tuple(sections),
        fields=(*count_fields(values), notes_field(current.notes if current else None)),
        actions=(Action(label, {"verb": VERB, "day": day.isoformat()}, style="positive"),),
    )


_on_returns_days = on_briefing_days("returns_time")


def prompt_time(team: Team, day: date) -> time | None:
    """The returns time on briefing days, for teams that use PCSO daily returns."""
    return _on_returns_days(team, day) if team.pcso_returns else None


async def send_prompts(context: TeamJobContext) -> int:
    """One card per PCSO on duty that day (team leaders send the team's return instead)."""
    card = return_card(context.day, None, context.settings.zone)
    on_duty = await officer_day.on_duty(context.session, context.team.id, context.day)
    pcsos = [m for m in on_duty if m.role == Role.PCSO.value]
    return len(await fan_out(context, job=PROMPTS, to=pcsos, reply=Reply(card=card)))
