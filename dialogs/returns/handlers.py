"""The returns card on demand, and submissions by card or typed:
`returns OUTCOMES | COUNTS [| NOTES]`, e.g. `returns done, part done | 3 2 1 5 0`.

Each submission is a complete new row, so a correction keeps what it replaces; returns for
a day can be corrected until that day goes to the sergeant's morning review. The same
returns as the latest (every outcome and note, the counts and notes) sent again are not
stored: they are answered as already recorded.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from dialogs.answers import already_recorded, hold
from dialogs.core import Reply, Turn, UserError
from dialogs.counts import counts_from_words, parse_counts, parse_notes, too_long
from dialogs.officer_day import check_end_of_shift_day
from dialogs.returns.cards import OUTCOME_TITLES, recorded_card, returns_card
from dialogs.returns.models import OUTCOME_NOTE_MAX, OUTCOMES
from dialogs.returns.queries import Outcome, latest_return, save_return
from dialogs.router import Provided
from dialogs.supervision import choose_team, parse_date
from dialogs.tasks import TaskBook, TaskView
from storage.models import Team

TYPED_USAGE = "returns OUTCOMES | COUNTS [| NOTES]"
TYPED_EXAMPLE = "returns done, part done | 3 2 1 5 0"


class Handlers:
    """The handlers, reading the day's tasks from the router's `TaskBook`."""

    def __init__(self, tasks: Provided[TaskBook]) -> None:
        self._tasks = tasks

    async def returns(self, turn: Turn) -> list[Reply]:
        """No arguments or a team name: the card. With '|': a typed submission."""
        if "|" in turn.text:
            team = await choose_team(turn, "", command="returns")
            return await self._save(turn, team, turn.today, typed_data(turn.text), replace=False)
        team = await choose_team(turn, turn.text, command="returns")
        card = await returns_card(turn.session, self._tasks.get(), team, turn.today, turn.zone)
        return [Reply(card=card)]

    async def submit(self, turn: Turn) -> list[Reply]:
        data = turn.data or {}
        team = await choose_team(turn, str(data.get("team") or ""), command="returns")
        day = parse_date(data.get("day") or turn.today.isoformat(), "day")
        return await self._save(turn, team, day, data, replace=True)

    async def _save(
        self, turn: Turn, team: Team, day: date, data: Mapping[str, Any], *, replace: bool
    ) -> list[Reply]:
        check_end_of_shift_day(turn, team, day, "returns card")
        await hold(turn.session, Team.id, team.id)  # the tasking is not replaced meanwhile
        tasks = await self._tasks.get().day_tasks(turn.session, team.id, day)
        outcomes = parse_outcomes(data, tasks)
        counts = parse_counts(data)
        notes = parse_notes(data)
        current = await latest_return(turn.session, team.id, day)
        if current is not None and current.says(counts, notes, outcomes):
            said = already_recorded(current.submitted_at, turn.now, turn.zone)
            card = recorded_card(team, day, tasks, outcomes, counts, said=said)
            return [Reply(card=card, replace=replace)]
        await save_return(
            turn.session,
            team_id=team.id,
            day=day,
            submitted_by_id=turn.officer.id,
            submitted_at=turn.now,
            counts=counts,
            notes=notes,
            outcomes=outcomes,
        )
        return [Reply(card=recorded_card(team, day, tasks, outcomes, counts), replace=replace)]


def typed_data(text: str) -> dict[str, Any]:
    parts = [p.strip() for p in text.split("|")]
    if len(parts) not in (2, 3):
        raise UserError(f"Type {TYPED_USAGE}, for example: {TYPED_EXAMPLE}. Nothing saved.")
    data: dict[str, Any] = {"notes": parts[2] if len(parts) == 3 else ""}
    outcomes = [o.strip() for o in parts[0].split(",") if o.strip()]
    data.update({f"outcome_{n}": o for n, o in enumerate(outcomes, start=1)})
    data.update(counts_from_words(parts[1].split()))
    return data


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
