"""The tasking card (the day's tasking, pre-filled with what is set), what the poster is
shown once it is recorded, and the card each assigned officer is sent."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from dialogs.core import Action, Card, Field, Fold, Section
from dialogs.tasking.models import DESCRIPTION_MAX, MAX_TASKS, REFERENCE_MAX
from dialogs.tasks import TaskView, task_fact
from dialogs.wording import short_day
from storage.models import Officer, Team

VERB = "tasking.submit"
SHOWN_ROWS = 3
"""Task rows shown at first; the rest, up to `MAX_TASKS`, behind "Add a task"."""
HINT = "References only (CAD, case or OSARA plan), never names of members of the public."
CHANGE = "To change today's tasking, edit the tasks below and post it again."


def tasking_card(
    team: Team, members: Sequence[Officer], existing: Sequence[TaskView], day: date
) -> Card:
    """Three task rows (more behind "Add a task", up to eight), those already set filled
    in; PCSOs are chosen from the team. Posting it sets the day's tasking."""
    people = {m.id: m for m in members}
    sections = []
    if existing:
        facts = tuple(task_fact(t, people) for t in existing)
        sections.append(Section(heading="Already set today", facts=facts))
    sections.append(Section(lines=(HINT, CHANGE) if existing else (HINT,)))
    by_number = {t.position: t for t in existing}
    shown = max(SHOWN_ROWS, len(existing))
    choices = tuple((m.collar_number, f"{m.name} ({m.collar_number})") for m in members)

    def rows(numbers: range) -> tuple[Field, ...]:
        return tuple(f for n in numbers for f in _task_fields(n, by_number.get(n), people, choices))

    more = rows(range(shown + 1, MAX_TASKS + 1))
    data = {"verb": VERB, "team": team.name, "day": day.isoformat()}
    return Card(
        title=f"Tasking: {team.name}, {short_day(day)}",
        sections=tuple(sections),
        fields=rows(range(1, shown + 1)),
        more=(Fold("Add a task", fields=more),) if more else (),
        actions=(Action("Post tasking", data, style="positive"),),
        wide=True,
    )


def _task_fields(
    n: int,
    task: TaskView | None,
    people: Mapping[int, Officer],
    choices: tuple[tuple[str, str], ...],
) -> tuple[Field, ...]:
    chosen = (
        ",".join(people[i].collar_number for i in task.assignee_ids if i in people)
        if task
        else None
    )
    return (
        Field(
            f"description_{n}",
            f"Task {n}",
            max_length=DESCRIPTION_MAX,
            multiline=True,  # a long description wraps instead of running off a phone
            value=task.description if task else None,
        ),
        Field(
            f"reference_{n}",
            f"Task {n} reference (optional)",
            max_length=REFERENCE_MAX,
            placeholder="CAD, case or OSARA reference",
            value=task.reference if task else None,
        ),
        Field(
            f"assignees_{n}",
            f"Task {n} PCSOs",
            kind="choice",
            choices=choices,
            several=True,
            placeholder="Choose PCSOs",
            value=chosen or None,
        ),
    )


def recorded_card(
    title: str,
    team: Team,
    day: date,
    tasks: Sequence[TaskView],
    people: Mapping[int, Officer],
    said: Sequence[str],
) -> Card:
    """What the poster sees: the day's tasking as recorded, and what happened (`said`)."""
    facts = tuple(task_fact(t, people) for t in tasks)
    return Card(
        title=f"{title}: {team.name}, {short_day(day)}",
        sections=(Section(facts=facts), Section(lines=tuple(said))),
    )


def officer_card(
    day: date,
    new: Sequence[TaskView],
    withdrawn: Sequence[TaskView],
    people: Mapping[int, Officer],
    set_by: str,
) -> Card:
    """What an assigned officer is sent: the tasks they have not been sent before, and any
    they were sent that a replaced tasking no longer gives them."""
    facts = [task_fact(t, people) for t in new]
    facts.extend(("No longer yours", f"{_what(t)}.") for t in withdrawn)
    title = f"Your tasks for {short_day(day)}" + (" have changed" if withdrawn else "")
    if new:
        summary = f"{len(new)} new task{'s' if len(new) != 1 else ''} for {short_day(day)}"
    else:
        summary = f"Your tasks for {short_day(day)} have changed"
    return Card(
        title=title,
        sections=(Section(facts=tuple(facts)), Section(lines=(f"Set by {set_by}.",))),
        summary=summary,
    )


def _what(task: TaskView) -> str:
    return task.description + (f" [{task.reference}]" if task.reference else "")
