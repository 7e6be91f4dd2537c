"""`tasking` (the card) and `task DESCRIPTION | REFERENCE | COLLARS` (one task typed).

The card is the team's tasking for the day, pre-filled with what is set; posting it sets
the day's tasking (team and day are its natural key):

- the same tasks as are set (description, reference and assignees of each task, in order)
  store nothing new, send nothing, and are answered as already recorded: a second tap of a
  card whose answer never arrived is recognised;
- different tasks replace the day's tasking: its tasks are deleted and the new ones
  recorded as a new posting (the replaced tasks are written to the audit log). Each
  assigned officer is sent only the tasks they had not been sent (a task is the same task
  for them while its description and reference are), and told of any they were sent that
  are no longer theirs; nobody else is sent anything;
- once the day's returns are recorded against its tasks (or anything else registered with
  `router.tasks_in_use`), the tasking is not replaced: the poster is told so in words, and
  may still add a task by typing it. Replacing it would delete the tasks the returns report
  on, with their outcomes.

`task ...` adds one task to the day, numbered on from those set; the same task (description,
reference and assignees) as one already set is not added twice. Each posting and each
assigned officer get at most one delivery (the outbox key names the posting).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from dialogs.answers import already_recorded, hold
from dialogs.core import Reply, Turn, UserError
from dialogs.counts import too_long
from dialogs.supervision import choose_team, parse_date, visible_teams
from dialogs.tasking.cards import officer_card, recorded_card, tasking_card
from dialogs.tasking.models import DESCRIPTION_MAX, MAX_TASKS, REFERENCE_MAX
from dialogs.tasking.queries import (
    TASKS,
    NewTask,
    add_tasking,
    last_posted,
    posted_at,
    replace_tasking,
)
from dialogs.tasks import TasksInUse, TaskView
from dialogs.wording import local_hhmm, short_day
from storage import audit, officers, outbox
from storage.models import Officer, Team

DELIVERY_JOB = "tasking"
TYPED_USAGE = "task DESCRIPTION | REFERENCE | COLLARS"
_COLLARS = re.compile(r"[\s,;]+")


@dataclass(frozen=True)
class Posting:
    """A team's day as a posting finds it: its members and the tasks already set."""

    team: Team
    members: Sequence[Officer]
    existing: list[TaskView]

    @property
    def free(self) -> int:
        return MAX_TASKS - len(self.existing)

    def by_collar(self) -> dict[str, Officer]:
        return {m.collar_number.upper(): m for m in self.members}

    def people(self) -> dict[int, Officer]:
        return {m.id: m for m in self.members}


async def _posting(turn: Turn, team: Team) -> Posting:
    return Posting(
        team=team,
        members=await officers.members(turn.session, team.id),
        existing=await TASKS.day_tasks(turn.session, team.id, turn.today),
    )


class Handlers:
    """The handlers; `uses` are the router's checks of what is recorded against a day's
    tasks (`router.task_uses`), read when a tasking would be replaced."""

    def __init__(self, uses: Sequence[TasksInUse]) -> None:
        self._uses = uses

    async def show_tasking(self, turn: Turn) -> list[Reply]:
        team = await choose_team(turn, turn.text, command="tasking")
        posting = await _posting(turn, team)
        return [Reply(card=tasking_card(team, posting.members, posting.existing, turn.today))]

    async def submit(self, turn: Turn) -> list[Reply]:
        """`tasking.submit` from the card: validate every row, then set the day's tasking
        (see the module's docstring), all or nothing."""
        data = turn.data or {}
        team = await choose_team(turn, str(data.get("team") or ""), command="tasking")
        day = parse_date(data.get("day") or turn.today.isoformat(), "day")
        if day != turn.today:
            raise UserError(
                f"That tasking card was for {short_day(day)}. Type tasking for today's card. "
                "Nothing saved."
            )
        await hold(turn.session, Team.id, team.id)
        posting = await _posting(turn, team)
        tasks = parse_tasks(data, posting)
        if [_content(t) for t in posting.existing] == [_content(t) for t in tasks]:
            at = await last_posted(turn.session, team.id, turn.today)
            said = [_already(turn, at), "Nobody was sent it again."]
            return _answer(turn, "Tasking recorded", posting, posting.existing, said)
        if not posting.existing:
            return await _post(turn, posting, tasks, replace=True)
        for check in self._uses:
            reason = await check(turn.session, team.id, turn.today)
            if reason:
                raise UserError(
                    f"Today's tasking for {team.name} can no longer be replaced: {reason}. "
                    f"Nothing saved. To add a task, type {TYPED_USAGE}."
                )
        return await _replace(turn, posting, tasks)

    async def typed_task(self, turn: Turn) -> list[Reply]:
        parts = [p.strip() for p in turn.text.split("|")]
        if len(parts) == 2:
            parts = [parts[0], "", parts[1]]
        if len(parts) != 3 or not parts[0]:
            raise UserError(
                f"Type {TYPED_USAGE}, for example: task Patrol town centre | OSARA-22 | "
                "P301, P302 (the reference may be left empty). Nothing saved."
            )
        team = await _team_of_collars(turn, parts[2])
        await hold(turn.session, Team.id, team.id)
        posting = await _posting(turn, team)
        fields = {"description_1": parts[0], "reference_1": parts[1], "assignees_1": parts[2]}
        [task] = parse_tasks(fields, posting)
        same = next((t for t in posting.existing if _content(t) == _content(task)), None)
        if same is not None:
            at = await posted_at(turn.session, same.id)
            said = [f"Task {same.position} is already set with these details.", _already(turn, at)]
            return _answer(turn, "Tasking recorded", posting, posting.existing, said, False)
        if posting.free < 1:
            raise UserError(
                f"A day holds at most {MAX_TASKS} tasks, and {MAX_TASKS} are set already. "
                "Type tasking to change today's tasking. Nothing saved."
            )
        return await _post(turn, posting, [task], replace=False)


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


def _content(task: TaskView | NewTask) -> tuple[str, str | None, tuple[int, ...]]:
    """What makes a task the same task: its description, reference and assignees."""
    return task.description, task.reference, tuple(sorted(task.assignee_ids))


def _told(task: TaskView) -> tuple[str, str | None]:
    """What makes a task the same task for an assigned officer, whatever its number."""
    return task.description, task.reference


async def _post(
    turn: Turn, posting: Posting, tasks: list[NewTask], *, replace: bool
) -> list[Reply]:
    """New tasks added to the day, numbered on from those set."""
    team = posting.team
    tasking, views = await add_tasking(
        turn.session,
        team_id=team.id,
        day=turn.today,
        posted_by_id=turn.officer.id,
        posted_at=turn.now,
        tasks=tasks,
        first_position=len(posting.existing) + 1,
    )
    sent_to = await _send_tasks(turn, posting, tasking.id, before=[], after=views)
    told = _names(posting, sent_to) or "nobody else"
    tasks_now = [*posting.existing, *views]
    return _answer(turn, "Tasking recorded", posting, tasks_now, [f"Sent to {told}."], replace)


async def _replace(turn: Turn, posting: Posting, tasks: list[NewTask]) -> list[Reply]:
    """The day's tasking replaced by `tasks` (see the module's docstring)."""
    team, before = posting.team, posting.existing
    replaced_at = await last_posted(turn.session, team.id, turn.today)
    people = posting.people()
    await audit.record(
        turn.session,
        "tasking.replace",
        at=turn.now,
        officer=turn.officer,
        team=team.name,
        day=turn.today.isoformat(),
        replaced=[
            {
                "task_number": t.position,
                "description": t.description,
                "reference": t.reference,
                "assignees": " ".join(
                    sorted(people[i].collar_number for i in t.assignee_ids if i in people)
                ),
            }
            for t in before
        ],
    )
    tasking, views = await replace_tasking(
        turn.session,
        team_id=team.id,
        day=turn.today,
        posted_by_id=turn.officer.id,
        posted_at=turn.now,
        tasks=tasks,
    )
    sent_to = await _send_tasks(turn, posting, tasking.id, before=before, after=views)
    when = f" recorded at {local_hhmm(replaced_at, turn.zone)}" if replaced_at else ""
    said = [f"Today's tasking replaced the one{when}."]
    if sent_to:
        said.append(f"Sent the changes to {_names(posting, sent_to)}.")
    else:
        said.append("Nobody's tasks changed, so nobody was sent anything.")
    return _answer(turn, "Today's tasking replaced", posting, views, said)


def _answer(
    turn: Turn,
    title: str,
    posting: Posting,
    tasks: Sequence[TaskView],
    said: Sequence[str],
    replace: bool = True,
) -> list[Reply]:
    card = recorded_card(title, posting.team, turn.today, tasks, posting.people(), said)
    return [Reply(card=card, replace=replace)]


def _already(turn: Turn, at: datetime | None) -> str:
    if at is None:
        return "Already recorded: nothing new saved."
    return already_recorded(at, turn.now, turn.zone)


def _names(posting: Posting, officer_ids: Sequence[int]) -> str:
    people = posting.people()
    return ", ".join(people[i].name for i in officer_ids if i in people)


async def _send_tasks(
    turn: Turn,
    posting: Posting,
    tasking_id: int,
    *,
    before: Sequence[TaskView],
    after: Sequence[TaskView],
) -> list[int]:
    """One delivery per assigned officer (not the poster) whose tasks changed: the tasks in
    `after` they had not in `before`, and those in `before` they no longer have. The
    officers sent something, in task order."""
    people = posting.people()
    team = posting.team
    poster = f"{turn.officer.name} ({turn.officer.collar_number}), {team.name}"
    assigned = dict.fromkeys(
        i for t in [*after, *before] for i in t.assignee_ids if i != turn.officer.id
    )
    sent: list[int] = []
    for officer_id in assigned:
        had = {_told(t) for t in before if officer_id in t.assignee_ids}
        has = {_told(t) for t in after if officer_id in t.assignee_ids}
        new = [t for t in after if officer_id in t.assignee_ids and _told(t) not in had]
        gone = [t for t in before if officer_id in t.assignee_ids and _told(t) not in has]
        if not new and not gone:
            continue
        card = officer_card(turn.today, new, gone, people, poster)
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
        sent.append(officer_id)
    return sent
