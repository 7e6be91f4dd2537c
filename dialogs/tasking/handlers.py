"""`tasking` (the card) and `task DESCRIPTION | REFERENCE | COLLARS` (one task typed).

Each posting adds tasks to the day, numbered on from those already set, and each assigned
officer is sent their tasks in the same transaction (an outbox delivery per posting and
officer).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from dialogs.core import Action, Card, Field, Reply, Section, Turn, UserError
from dialogs.counts import too_long
from dialogs.supervision import choose_team, parse_date, visible_teams
from dialogs.tasking.models import DESCRIPTION_MAX, MAX_TASKS, REFERENCE_MAX
from dialogs.tasking.queries import TASKS, NewTask, add_tasking
from dialogs.tasks import TaskView, task_line
from dialogs.wording import short_day
from storage import officers, outbox
from storage.models import Officer, Team

VERB = "tasking.submit"
DELIVERY_JOB = "tasking"
TYPED_USAGE = "task DESCRIPTION | REFERENCE | COLLARS"
HINT = "References only (CAD, case or OSARA plan), never names of members of the public."
_COLLARS = re.compile(r"[\s,;]+")


@dataclass(frozen=True)
class Posting:
    team: Team
    members: Sequence[Officer]
    existing: list[TaskView]

    @property
    def free(self) -> int:
        return MAX_TASKS - len(self.existing)

    def by_collar(self) -> dict[str, Officer]:
        return {m.collar_number.upper(): m for m in self.members}


async def _posting(turn: Turn, team: Team) -> Posting:
    return Posting(
        team=team,
        members=await officers.members(turn.session, team.id),
        existing=await TASKS.day_tasks(turn.session, team.id, turn.today),
    )


async def show_tasking(turn: Turn) -> list[Reply]:
    team = await choose_team(turn, turn.text, command="tasking")
    return [Reply(card=tasking_card(await _posting(turn, team), turn.today))]


def tasking_card(posting: Posting, day: date) -> Card:
    people = {m.id: m for m in posting.members}
    sections = []
    if posting.existing:
        lines = tuple(task_line(t, people) for t in posting.existing)
        sections.append(Section(heading="Already set today", lines=lines))
    team_list = ", ".join(f"{m.collar_number} {m.name}" for m in posting.members)
    sections.append(Section(lines=(HINT, f"Assign by collar number. Team: {team_list}.")))
    title = f"Tasking: {posting.team.name}, {short_day(day)}"
    if posting.free == 0:
        sections.append(Section(lines=(f"Today's tasking is full ({MAX_TASKS} tasks).",)))
        return Card(title=title, sections=tuple(sections))
    first = len(posting.existing) + 1
    fields = tuple(f for n in range(1, posting.free + 1) for f in _task_fields(n, first + n - 1))
    data = {"verb": VERB, "team": posting.team.name, "day": day.isoformat()}
    return Card(
        title=title,
        sections=tuple(sections),
        fields=fields,
        actions=(Action("Post tasking", data, style="positive"),),
    )


def _task_fields(n: int, number: int) -> tuple[Field, ...]:
    return (
        Field(f"description_{n}", f"Task {number}", max_length=DESCRIPTION_MAX),
        Field(
            f"reference_{n}",
            f"Task {number} reference (optional)",
            max_length=REFERENCE_MAX,
            placeholder="CAD, case or OSARA reference",
        ),
        Field(f"assignees_{n}", f"Task {number} PCSOs", placeholder="P301, P302"),
    )


async def submit_tasking(turn: Turn) -> list[Reply]:
    """`tasking.submit` from the card: validate every row, then save them all or nothing."""
    data = turn.data or {}
    team = await choose_team(turn, str(data.get("team") or ""), command="tasking")
    day = parse_date(data.get("day") or turn.today.isoformat(), "day")
    if day != turn.today:
        raise UserError(
            f"That tasking card was for {short_day(day)}. Type tasking for today's card. "
            "Nothing saved."
        )
    posting = await _posting(turn, team)
    tasks = parse_tasks(data, posting)
    return await _post(turn, posting, tasks, replace=True)


async def typed_task(turn: Turn) -> list[Reply]:
    parts = [p.strip() for p in turn.text.split("|")]
    if len(parts) == 2:
        parts = [parts[0], "", parts[1]]
    if len(parts) != 3 or not parts[0]:
        raise UserError(
            f"Type {TYPED_USAGE}, for example: task Patrol town centre | OSARA-22 | P301, P302 "
            "(the reference may be left empty). Nothing saved."
        )
    team = await _team_of_collars(turn, parts[2])
    posting = await _posting(turn, team)
    fields = {"description_1": parts[0], "reference_1": parts[1], "assignees_1": parts[2]}
    return await _post(turn, posting, parse_tasks(fields, posting), replace=False)


async def _team_of_collars(turn: Turn, collars: str) -> Team:
    """A sergeant's typed task goes to the team of the officers assigned."""
    teams = await visible_teams(turn)
    if len(teams) <= 1:
        return await choose_team(turn, "", command="tasking")
    first = next(iter(_COLLARS.split(collars.strip())), "")
    officer = await officers.by_collar(turn.session, first) if first else None
    for team in teams:
        if officer is not None and officer.team_id == team.id:
            return team
    yours = ", ".join(t.name for t in teams)
    raise UserError(f"'{first[:20]}' is not in a team you supervise ({yours}). Nothing saved.")


def parse_tasks(data: Mapping[str, Any], posting: Posting) -> list[NewTask]:
    """Tasks 1–8 of a submission; one `UserError` naming every problem."""
    members = posting.by_collar()
    tasks: list[NewTask] = []
    problems: list[str] = []
    for n in range(1, MAX_TASKS + 1):
        description = _text(data, f"description_{n}")
        reference = _text(data, f"reference_{n}")
        collars = [c.upper() for c in _COLLARS.split(_text(data, f"assignees_{n}")) if c]
        if not description:
            if reference or collars:
                problems.append(f"Task {n} has no description.")
            continue
        problems.extend(_task_problems(n, description, reference, collars, members, posting))
        ids = tuple(dict.fromkeys(members[c].id for c in collars if c in members))
        tasks.append(NewTask(description, reference or None, ids))
    if not tasks and not problems:
        problems.append("There is no task to post: fill in at least one description.")
    if len(tasks) > posting.free:
        problems.append(
            f"A day holds at most {MAX_TASKS} tasks; {len(posting.existing)} are set already, "
            f"so you can add {posting.free}."
        )
    if problems:
        raise UserError("Nothing saved. " + " ".join(problems))
    return tasks


def _task_problems(
    n: int,
    description: str,
    reference: str,
    collars: list[str],
    members: Mapping[str, Officer],
    posting: Posting,
) -> list[str]:
    problems = [
        problem
        for problem in (
            too_long(description, DESCRIPTION_MAX, f"Task {n}: the description"),
            too_long(reference, REFERENCE_MAX, f"Task {n}: the reference"),
        )
        if problem
    ]
    if not collars:
        problems.append(f"Task {n} has no PCSOs: give their collar numbers, e.g. P301, P302.")
    unknown = [c for c in collars if c not in members]
    if unknown:
        verb = "is" if len(unknown) == 1 else "are"
        problems.append(f"Task {n}: {', '.join(unknown)} {verb} not in {posting.team.name}.")
    return problems


def _text(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    return "" if value is None else str(value).strip()


async def _post(
    turn: Turn, posting: Posting, tasks: list[NewTask], *, replace: bool
) -> list[Reply]:
    tasking, views = await add_tasking(
        turn.session,
        team_id=posting.team.id,
        day=turn.today,
        posted_by_id=turn.officer.id,
        posted_at=turn.now,
        tasks=tasks,
        first_position=len(posting.existing) + 1,
    )
    people = {m.id: m for m in posting.members}
    sent_to = await _send_tasks(turn, posting.team, tasking.id, views, people)
    lines = tuple(task_line(t, people) for t in [*posting.existing, *views])
    told = ", ".join(people[i].name for i in sent_to) or "nobody else"
    card = Card(
        title=f"Tasking recorded: {posting.team.name}, {short_day(turn.today)}",
        sections=(Section(lines=lines), Section(lines=(f"Sent to {told}.",))),
    )
    return [Reply(card=card, replace=replace)]


async def _send_tasks(
    turn: Turn, team: Team, tasking_id: int, tasks: list[TaskView], people: Mapping[int, Officer]
) -> list[int]:
    """Record one delivery per assigned officer (not the poster) with their new tasks."""
    assigned = dict.fromkeys(i for t in tasks for i in t.assignee_ids if i != turn.officer.id)
    poster = f"{turn.officer.name} ({turn.officer.collar_number})"
    for officer_id in assigned:
        mine = tuple(task_line(t, people) for t in tasks if officer_id in t.assignee_ids)
        card = Card(
            title=f"Your tasks for {short_day(turn.today)}",
            sections=(Section(lines=(*mine, f"Set by {poster}, {team.name}.")),),
        )
        await outbox.enqueue(
            turn.session,
            job=DELIVERY_JOB,
            officer_id=officer_id,
            team_id=team.id,
            day=turn.today,
            payload=Reply(card=card).to_dict(),
            now=turn.now,
            suffix=f"tasking{tasking_id}",
        )
    return list(assigned)
