"""The returns card: the day's tasks with an outcome each, the five counts and notes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from dialogs.core import Action, Card, Field, Section
from dialogs.counts import count_facts, count_fields, notes_field
from dialogs.returns.models import OUTCOME_NOTE_MAX
from dialogs.returns.queries import Outcome, ReturnView, latest_return
from dialogs.tasks import TaskBook, TaskView, task_fact
from dialogs.wording import local_hhmm, short_day
from storage import officers
from storage.models import Officer, Team

VERB = "returns.submit"
OUTCOME_TITLES = {"done": "Done", "part_done": "Part done", "not_done": "Not done"}


async def returns_card(
    session: AsyncSession, tasks: TaskBook, team: Team, day: date, zone: ZoneInfo, intro: str = ""
) -> Card:
    """The returns form for the team's day, pre-filled with the latest submission."""
    day_tasks = await tasks.day_tasks(session, team.id, day)
    latest = await latest_return(session, team.id, day)
    members = {m.id: m for m in await officers.members(session, team.id)}
    lines = [intro] if intro else []
    if day_tasks:
        lines.append("Choose each task's outcome, check the team's counts, and send.")
    else:
        lines.append("No tasks were set today: send the team counts.")
    sections = [Section(lines=tuple(lines))]
    if latest is not None:
        at = local_hhmm(latest.submitted_at, zone)
        sections.append(
            Section(lines=(f"Returns sent at {at}. Send again to correct them; both are kept.",))
        )
    counts = latest.counts if latest else None
    fields = (
        *(f for t in day_tasks for f in _outcome_fields(t, members, latest)),
        *count_fields(counts),
        notes_field(latest.notes if latest else None),
    )
    data = {"verb": VERB, "team": team.name, "day": day.isoformat()}
    summary = f"Returns for {team.name}: " + (
        f"{len(day_tasks)} task{'s' if len(day_tasks) != 1 else ''} to report"
        if day_tasks
        else "send the team counts"
    )
    return Card(
        title=f"Returns: {team.name}, {short_day(day)}",
        sections=tuple(sections),
        fields=fields,
        actions=(Action("Send returns", data, style="positive"),),
        summary=summary,
        wide=True,
    )


def _outcome_fields(
    task: TaskView, members: Mapping[int, Officer], latest: ReturnView | None
) -> tuple[Field, Field]:
    """The task, with its outcome choice directly under it, then an optional note."""
    before = latest.outcomes.get(task.id) if latest else None
    n = task.position
    label, what = task_fact(task, members)
    return (
        Field(
            f"outcome_{n}",
            f"{label}: {what}",
            kind="choice",
            choices=tuple(OUTCOME_TITLES.items()),
            value=before.outcome if before else None,
            required=True,
            error=f"Task {n}: choose done, part done or not done.",
        ),
        Field(
            f"note_{n}",
            f"Task {n} note (optional)",
            max_length=OUTCOME_NOTE_MAX,
            value=before.note if before else None,
        ),
    )


def recorded_card(
    team: Team,
    day: date,
    tasks: Sequence[TaskView],
    outcomes: Mapping[int, Outcome],
    counts: Mapping[str, int],
    *,
    said: str | None = None,
) -> Card:
    """What was recorded (and `said`, e.g. that the same returns sent again were already
    recorded)."""
    done = tuple(
        (f"Task {t.position}", f"{t.description}: {OUTCOME_TITLES[outcomes[t.id].outcome].lower()}")
        for t in tasks
    )
    sections: tuple[Section, ...] = (Section(facts=done), Section(facts=count_facts(counts)))
    if said:
        sections = (*sections, Section(lines=(said,)))
    return Card(title=f"Returns recorded: {team.name}, {short_day(day)}", sections=sections)
