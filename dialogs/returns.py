"""Workflow 2b: the team's end-of-day returns, and their reminders.

At the team's returns time the team leaders get the returns card, pre-filled with the
day's tasks: an outcome and note per task, the five team counts and notes. If no returns
have arrived an hour later, one reminder follows (`tasking-reminders-repeat`), never more.
Each submission is a complete new row, so a correction keeps what it replaces; returns for
a day can be corrected until that day goes to the sergeant's morning review.

Typed: `returns OUTCOMES | COUNTS [| NOTES]`, e.g. `returns done, part done | 3 2 1 5 0`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from dialogs.core import Action, Card, Field, Reply, Section, Turn, UserError
from dialogs.counts import (
    count_facts,
    count_fields,
    counts_from_words,
    notes_field,
    parse_counts,
    parse_notes,
    too_long,
)
from dialogs.jobs import TeamJobContext, fan_out, on_briefing_days, team_job
from dialogs.officer_day import check_end_of_shift_day, local_hhmm, short_day
from dialogs.router import Router
from dialogs.supervision import OUTCOME_TITLES, POSTERS, choose_team, parse_date
from dialogs.tasking import task_line
from storage import officers, supervision
from storage.models import OUTCOMES, Team
from storage.models.supervision import OUTCOME_NOTE_MAX
from storage.supervision import Outcome, ReturnView, TaskView

VERB = "returns.submit"
JOB = "tasking-reminders"
REPEAT_JOB = "tasking-reminders-repeat"
REPEAT_AFTER = timedelta(hours=1)
TYPED_USAGE = "returns OUTCOMES | COUNTS [| NOTES]"
TYPED_EXAMPLE = "returns done, part done | 3 2 1 5 0"


def register(router: Router) -> None:
    router.command(
        "returns",
        returns,
        roles=POSTERS,
        usage="returns [TEAM]",
        summary=f"today's returns card (or typed: {TYPED_EXAMPLE})",
    )
    router.verb(VERB, submit_returns, roles=POSTERS)
    router.job(
        team_job(
            name=JOB,
            run=send_prompts,
            due=prompt_time,
            grace=REPEAT_AFTER,
            summary="the returns card to team leaders at the team's returns time",
        )
    )
    router.job(
        team_job(
            name=REPEAT_JOB,
            run=send_reminders,
            due=repeat_time,
            grace=timedelta(hours=3),
            summary="one reminder an hour later, if no returns have arrived",
        )
    )


# --- the card ----------------------------------------------------------------------------


async def returns(turn: Turn) -> list[Reply]:
    """No arguments or a team name: the card. With '|': a typed submission."""
    if "|" in turn.text:
        team = await choose_team(turn, "", command="returns")
        return await _save(turn, team, turn.today, _typed_data(turn.text), replace=False)
    team = await choose_team(turn, turn.text, command="returns")
    return [Reply(card=await returns_card(turn.session, team, turn.today, turn.zone))]


async def returns_card(
    session: AsyncSession, team: Team, day: date, zone: ZoneInfo, intro: str = ""
) -> Card:
    """The returns form for the team's day, pre-filled with the latest submission."""
    tasks = await supervision.day_tasks(session, team.id, day)
    latest = await supervision.latest_return(session, team.id, day)
    members = {m.id: m for m in await officers.members(session, team.id)}
    lines = [intro] if intro else []
    lines.extend(task_line(t, members) for t in tasks)
    if not tasks:
        lines.append("No tasks were set today: send the team counts.")
    sections = [Section(lines=tuple(lines))]
    if latest is not None:
        at = local_hhmm(latest.submitted_at, zone)
        sections.append(
            Section(lines=(f"Returns sent at {at}. Send again to correct them; both are kept.",))
        )
    counts = latest.counts if latest else None
    fields = (
        *(f for t in tasks for f in _outcome_fields(t, latest)),
        *count_fields(counts),
        notes_field(latest.notes if latest else None),
    )
    data = {"verb": VERB, "team": team.name, "day": day.isoformat()}
    return Card(
        title=f"Returns: {team.name}, {short_day(day)}",
        sections=tuple(sections),
        fields=fields,
        actions=(Action("Send returns", data, style="positive"),),
    )


def _outcome_fields(task: TaskView, latest: ReturnView | None) -> tuple[Field, Field]:
    before = latest.outcomes.get(task.id) if latest else None
    n = task.position
    return (
        Field(
            f"outcome_{n}",
            f"Task {n} outcome",
            kind="choice",
            choices=tuple(OUTCOME_TITLES.items()),
            value=before.outcome if before else None,
            required=True,
        ),
        Field(
            f"note_{n}",
            f"Task {n} note (optional)",
            max_length=OUTCOME_NOTE_MAX,
            value=before.note if before else None,
        ),
    )


# --- submissions -------------------------------------------------------------------------


async def submit_returns(turn: Turn) -> list[Reply]:
    data = turn.data or {}
    team = await choose_team(turn, str(data.get("team") or ""), command="returns")
    day = parse_date(data.get("day") or turn.today.isoformat(), "day")
    return await _save(turn, team, day, data, replace=True)


def _typed_data(text: str) -> dict[str, Any]:
    parts = [p.strip() for p in text.split("|")]
    if len(parts) not in (2, 3):
        raise UserError(f"Type {TYPED_USAGE}, for example: {TYPED_EXAMPLE}. Nothing saved.")
    data: dict[str, Any] = {"notes": parts[2] if len(parts) == 3 else ""}
    outcomes = [o.strip() for o in parts[0].split(",") if o.strip()]
    data.update({f"outcome_{n}": o for n, o in enumerate(outcomes, start=1)})
    data.update(counts_from_words(parts[1].split()))
    return data


async def _save(
    turn: Turn, team: Team, day: date, data: Mapping[str, Any], *, replace: bool
) -> list[Reply]:
    check_end_of_shift_day(turn, team, day, "returns card")
    tasks = await supervision.day_tasks(turn.session, team.id, day)
    outcomes = parse_outcomes(data, tasks)
    counts = parse_counts(data)
    notes = parse_notes(data)
    await supervision.save_return(
        turn.session,
        team_id=team.id,
        day=day,
        submitted_by_id=turn.officer.id,
        submitted_at=turn.now,
        counts=counts,
        notes=notes,
        outcomes=outcomes,
    )
    return [Reply(card=_recorded_card(team, day, tasks, outcomes, counts), replace=replace)]


def parse_outcomes(data: Mapping[str, Any], tasks: Sequence[TaskView]) -> dict[int, Outcome]:
    """Task id → outcome for every task of the day; one `UserError` naming every problem."""
    found: dict[int, Outcome] = {}
    problems: list[str] = []
    accepted = ", ".join(t.lower() for t in OUTCOME_TITLES.values())
    for task in tasks:
        n = task.position
        raw = str(data.get(f"outcome_{n}") or "").strip().lower().replace(" ", "_")
        note = str(data.get(f"note_{n}") or "").strip()
        if raw not in OUTCOMES:
            shown = f"'{raw[:20]}' is not an outcome" if raw else "has no outcome"
            problems.append(f"Task {n} {shown}: choose {accepted}.")
        elif problem := too_long(note, OUTCOME_NOTE_MAX, f"Task {n}: the note"):
            problems.append(problem)
        else:
            found[task.id] = Outcome(raw, note or None)
    if problems:
        raise UserError("Nothing saved. " + " ".join(problems))
    return found


def _recorded_card(
    team: Team,
    day: date,
    tasks: Sequence[TaskView],
    outcomes: Mapping[int, Outcome],
    counts: Mapping[str, int],
) -> Card:
    lines = tuple(
        f"{t.position}. {t.description}: {OUTCOME_TITLES[outcomes[t.id].outcome].lower()}"
        for t in tasks
    )
    facts = count_facts(counts)
    return Card(
        title=f"Returns recorded: {team.name}, {short_day(day)}",
        sections=(Section(lines=lines, facts=facts),),
    )


# --- the reminders -----------------------------------------------------------------------


prompt_time = on_briefing_days("returns_time")


def repeat_time(team: Team, day: date) -> time | None:
    """An hour after the returns time, the same day (none if that passes midnight)."""
    first = prompt_time(team, day)
    if first is None:
        return None
    later = datetime.combine(day, first) + REPEAT_AFTER
    return later.time() if later.date() == day else None


async def send_prompts(context: TeamJobContext) -> int:
    return await _remind(context, suffix="", intro="Time for today's returns.")


async def send_reminders(context: TeamJobContext) -> int:
    intro = "Reminder: today's returns have not arrived yet."
    return await _remind(context, suffix="reminder", intro=intro)


async def _remind(context: TeamJobContext, *, suffix: str, intro: str) -> int:
    """The returns card to each team leader, unless returns for the day are in already."""
    team, session = context.team, context.session
    if await supervision.has_return(session, team.id, context.day):
        return 0
    card = await returns_card(session, team, context.day, context.settings.zone, intro)
    leaders = await officers.team_leaders_of(session, team.id)
    return len(await fan_out(context, job=JOB, to=leaders, reply=Reply(card=card), suffix=suffix))
