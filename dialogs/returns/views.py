"""Team returns in the shared views: the review's previous day, figures over a period and
the export. The day's tasks come from the router's `TaskBook`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from dialogs.core import Section
from dialogs.counts import COUNT_FIELDS, count_facts
from dialogs.people import Person, names
from dialogs.records import ExportContext, Row, dated_rows, latest_ids
from dialogs.returns.cards import OUTCOME_TITLES
from dialogs.returns.models import TaskOutcome, TeamReturn
from dialogs.returns.queries import ReturnView, done_tasks, latest_return, latest_return_ids
from dialogs.router import Provided
from dialogs.sections import (
    RETURNS_MISSING,
    TASKS_NOT_DONE,
    PeriodContext,
    PeriodLoad,
    PeriodPart,
    ReviewContext,
    ReviewLoad,
    ReviewPart,
)
from dialogs.tasks import TaskBook, TaskView
from dialogs.wording import rate, short_day
from storage.models import Officer

COLUMNS = ("task_number", "description", "reference", *COUNT_FIELDS)


@dataclass(frozen=True)
class ReturnsReview(ReviewPart):
    """The previous briefing day's tasks with their outcomes, and the team's returns."""

    tasks: Sequence[TaskView] = ()
    returns: ReturnView | None = None
    people: Mapping[int, Person] = field(default_factory=dict)

    def _missing(self, review: ReviewContext) -> bool:
        """Returns never arrived for a previous briefing day (with members to send them)."""
        return review.days.previous is not None and self.returns is None and bool(review.members)

    def reports(self, review: ReviewContext) -> bool:
        return bool(self.tasks or self.returns or self._missing(review))

    def flags(self, review: ReviewContext) -> Sequence[tuple[int, str]]:
        prev = review.days.previous
        if prev is None:
            return ()
        if self._missing(review):
            return ((RETURNS_MISSING, f"Returns not received for {short_day(prev)}"),)
        undone = [
            f"task {t.position} ({OUTCOME_TITLES[o].lower() if o else 'no outcome'})"
            for t in self.tasks
            if (o := self._outcome(t)) != "done"
        ]
        if not undone:
            return ()
        return ((TASKS_NOT_DONE, f"Tasks not done on {short_day(prev)}: {', '.join(undone)}"),)

    def tally(self, review: ReviewContext) -> str | None:
        if review.days.previous is None or not (self.returns or self._missing(review)):
            return None
        return "returns in" if self.returns else "returns not in"

    def counts(self, review: ReviewContext) -> Sequence[tuple[str, Mapping[str, int]]]:
        return [("team return", self.returns.counts)] if self.returns else []

    def sections(self, review: ReviewContext) -> Sequence[Section]:
        prev = review.days.previous
        if prev is None:
            return (Section(heading="Tasks", lines=("No previous briefing day.",)),)
        heading = f"Tasks and returns, {short_day(prev)}"
        tasks = tuple(self._task_fact(t) for t in self.tasks)
        lines = [] if tasks else ["No tasks were set."]
        outstanding = [t for t in self.tasks if self._outcome(t) != "done"]
        if outstanding:
            lines.append("Outstanding: " + ", ".join(f"task {t.position}" for t in outstanding))
        returns = self.returns
        if returns is None:
            lines.append("Returns: not received.")
            return (Section(heading=heading, facts=tasks), Section(lines=tuple(lines)))
        by = self.people.get(returns.submitted_by_id or 0)
        notes = f" Notes: {returns.notes}" if returns.notes else ""
        lines.append(f"Returns from {by.name if by else 'unknown'}.{notes}")
        return (
            Section(heading=heading, facts=tasks),
            Section(lines=tuple(lines), facts=count_facts(returns.counts)),
        )

    def _outcome(self, task: TaskView) -> str | None:
        outcome = self.returns.outcomes.get(task.id) if self.returns else None
        return outcome.outcome if outcome else None

    def _task_fact(self, task: TaskView) -> tuple[str, str]:
        ref = f" [{task.reference}]" if task.reference else ""
        who = names(self.people[i] for i in task.assignee_ids if i in self.people)
        outcome = self.returns.outcomes.get(task.id) if self.returns else None
        if outcome is None:
            result = "no outcome"
        else:
            result = OUTCOME_TITLES[outcome.outcome].lower()
            result += f": {outcome.note}" if outcome.note else ""
        return f"Task {task.position}", f"{task.description}{ref} — {who} — {result}"


def review_loader(tasks: Provided[TaskBook]) -> ReviewLoad:
    async def load(review: ReviewContext) -> ReviewPart:
        prev = review.days.previous
        if prev is None:
            return ReturnsReview()
        day_tasks = await tasks.get().day_tasks(review.session, review.team.id, prev)
        returns = await latest_return(review.session, review.team.id, prev)
        referenced = {i for t in day_tasks for i in t.assignee_ids}
        if returns is not None and returns.submitted_by_id is not None:
            referenced.add(returns.submitted_by_id)
        return ReturnsReview(day_tasks, returns, await review.people(referenced))

    return load


@dataclass(frozen=True)
class ReturnsPeriod(PeriodPart):
    """Tasks assigned to each officer, those the day's latest returns mark done, and the
    briefing days the returns arrived."""

    returned: set[date] = field(default_factory=set)
    assigned: Sequence[tuple[int, int]] = ()
    done: set[int] = field(default_factory=set)

    def officer(self, member: Officer, period: PeriodContext) -> str:
        mine = [task_id for officer_id, task_id in self.assigned if officer_id == member.id]
        done = sum(task_id in self.done for task_id in mine)
        return f"tasks done {done} of {len(mine)}"

    def team(self, period: PeriodContext) -> Sequence[tuple[str, str]]:
        days = sum(day in self.returned for day in period.days)
        return (("Returns completed", rate(days, len(period.days), "briefing days")),)


def period_loader(tasks: Provided[TaskBook]) -> PeriodLoad:
    async def load(period: PeriodContext) -> PeriodPart:
        if not period.days:
            return ReturnsPeriod()
        session, team_id = period.session, period.team.id
        latest = await latest_return_ids(session, [team_id], period.first, period.last)
        done = await done_tasks(session, latest.values())
        assigned = await tasks.get().assigned(session, team_id, period.first, period.last)
        return ReturnsPeriod({day for _team, day in latest}, assigned, done)

    return load


def export_loader(tasks: Provided[TaskBook]) -> Callable[[ExportContext], Awaitable[list[Row]]]:
    async def export_rows(export: ExportContext) -> list[Row]:
        """Each returns submission (the counts), then each of its task outcomes."""
        names_ = export.names
        returns: list[TeamReturn] = await dated_rows(export, TeamReturn)
        latest = latest_ids(returns, lambda r: (r.team_id, r.day))
        rows: list[Row] = [
            {
                "record_type": "team_return",
                "record_id": r.id,
                "day": r.day,
                "team": names_.team(r.team_id),
                "note": r.notes,
                "recorded_by": names_.collar(r.submitted_by_id),
                "recorded_at": r.submitted_at,
                "latest": r.id in latest,
                **{name: getattr(r, name) for name in COUNT_FIELDS},
            }
            for r in returns
        ]
        by_id = {r.id: r for r in returns}
        if not by_id:
            return rows
        outcomes = (
            await export.session.scalars(
                select(TaskOutcome).where(TaskOutcome.return_id.in_(list(by_id)))
            )
        ).all()
        known = await tasks.get().by_ids(export.session, {o.task_id for o in outcomes})
        ordered = sorted(outcomes, key=lambda o: (o.return_id, known[o.task_id].position))
        for outcome in ordered:
            task, submitted = known[outcome.task_id], by_id[outcome.return_id]
            rows.append(
                {
                    "record_type": "task_outcome",
                    "record_id": outcome.id,
                    "day": task.day,
                    "team": names_.team(task.team_id),
                    "value": outcome.outcome,
                    "note": outcome.note,
                    "task_number": task.position,
                    "description": task.description,
                    "reference": task.reference,
                    "recorded_by": names_.collar(submitted.submitted_by_id),
                    "recorded_at": submitted.submitted_at,
                    "latest": submitted.id in latest,
                }
            )
        return rows

    return export_rows
