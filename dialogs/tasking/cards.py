"""The tasking card (the day's tasking, pre-filled with what is set), what the poster is
shown once it is recorded, and the card each assigned officer is sent."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from dialogs.core import Action, Card, Field, Section
from dialogs.tasking.models import DESCRIPTION_MAX, MAX_TASKS, REFERENCE_MAX
from dialogs.tasks import TaskView, task_line
from dialogs.wording import short_day
from storage.models import Officer, Team

VERB = "tasking.submit"
HINT = "References only (CAD, case or OSARA plan), never names of members of the public."
CHANGE = (
    "To change today's tasking, edit the tasks below and post it again; "
    "to add a task, fill in the next empty one."
)


def tasking_card(
    team: Team, members: Sequence[Officer], existing: Sequence[TaskView], day: date
) -> Card:
    """Eight tasks, those already set filled in: posting it sets the day's tasking."""
    people = {m.id: m for m in members}
    sections = []
    if existing:
        lines = tuple(task_line(t, people) for t in existing)
        sections.append(Section(heading="Already set today", lines=lines))
    team_list = ", ".join(f"{m.collar_number} {m.name}" for m in members)
    hints = (HINT, f"Assign by collar number. Team: {team_list}.")
    sections.append(Section(lines=(*hints, CHANGE) if existing else hints))
    by_number = {t.position: t for t in existing}
    fields = tuple(
        f for n in range(1, MAX_TASKS + 1) for f in _task_fields(n, by_number.get(n), people)
    )
    data = {"verb": VERB, "team": team.name, "day": day.isoformat()}
    return Card(
        title=f"Tasking: {team.name}, {short_day(day)}",
        sections=tuple(sections),
        fields=fields,
        actions=(Action("Post tasking", data, style="positive"),),
    )


def _task_fields(n: int, task: TaskView | None, people: Mapping[int, Officer]) -> tuple[Field, ...]:
    collars = (
        ", ".join(people[i].collar_number for i in task.assignee_ids if i in people)
        if task
        else None
    )
    return (
        Field(
            f"description_{n}",
            f"Task {n}",
            max_length=DESCRIPTION_MAX,
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
            placeholder="P301, P302",
            value=collars or None,
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
    lines = tuple(task_line(t, people) for t in tasks)
    return Card(
        title=f"{title}: {team.name}, {short_day(day)}",
        sections=(Section(lines=lines), Section(lines=tuple(said))),
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
    lines = [task_line(t, people) for t in new]
    lines.extend(f"No longer yours: {_what(t)}." for t in withdrawn)
    lines.append(f"Set by {set_by}.")
    title = f"Your tasks for {short_day(day)}" + (" have changed" if withdrawn else "")
    return Card(title=title, sections=(Section(lines=tuple(lines)),))


def _what(task: TaskView) -> str:
    return task.description + (f" [{task.reference}]" if task.reference else "")
