"""Routes a turn to the workflow that owns it: a card verb, a typed command, or a phrase.

The router is also where workflows meet without importing each other: each registers its
parts of the shared views (`Views`), the absence reasons it knows (`duty`), the services
it provides (`tasks`) and what it records against another's records (`task_uses`); the
views and the other workflows read them from here.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from dialogs.core import Reply, Turn, UserError
from dialogs.jobs import Job
from dialogs.presence import AbsenceSource, Duty, LoadAbsences
from dialogs.records import ExportContext, ExportRows, Row, TeamCheck, TeamSetting
from dialogs.sections import (
    AbsenceClause,
    AwayLoad,
    AwayRanges,
    MyWeekLoad,
    MyWeekSection,
    PeriodLoad,
    PeriodSection,
    ReviewLoad,
    ReviewSection,
    TrendLoad,
    TrendSection,
)
from dialogs.tasks import TaskBook, TasksInUse
from storage.models import Role

Handler = Callable[[Turn], Awaitable[list[Reply]]]

ROLE_NAMES = {
    Role.PCSO.value: "PCSOs",
    Role.TEAM_LEADER.value: "team leaders",
    Role.SERGEANT.value: "sergeants",
    Role.INSPECTOR.value: "inspectors",
    Role.ADMIN.value: "admins",
}


# A Teams mention. `[^<]*` rather than `.*?`: a mention's text holds no `<` (Teams escapes
# it), and a lazy `.*?` rescans the rest of the text from every unclosed `<at>` (quadratic).
MENTION = re.compile(r"<at>[^<]*</at>")


def normalise(text: str) -> str:
    """Lower-case, trimmed, single-spaced; Teams mentions and trailing punctuation removed."""
    text = MENTION.sub(" ", text or "")
    text = re.sub(r"\s+", " ", text).strip().lower()
    return text.rstrip(".!?")


@dataclass(frozen=True)
class Command:
    name: str
    handler: Handler
    roles: frozenset[str] | None
    usage: str
    summary: str
    listed: bool

    def allows(self, role: str) -> bool:
        return self.roles is None or role in self.roles


T = TypeVar("T")


class Provided(Generic[T]):
    """A service one workflow provides to the others of its router, looked up when used, so
    the order workflows register in does not matter."""

    def __init__(self, what: str) -> None:
        self._what = what
        self._value: T | None = None

    def provide(self, value: T) -> None:
        if self._value is not None:
            raise ValueError(f"{self._what} provided twice")
        self._value = value

    def get(self) -> T:
        if self._value is None:
            raise LookupError(f"no workflow registered provides {self._what}")
        return self._value


def _insert(items: list[Any], item: Any) -> None:
    """Add in place (views hold on to the list), keeping the registered order."""
    items.append(item)
    items.sort(key=lambda each: each.order)


@dataclass
class Views:
    """The registered parts of the shared views, each list in its registered order."""

    review: list[ReviewSection] = field(default_factory=list)
    periods: list[PeriodSection] = field(default_factory=list)
    my_week: list[MyWeekSection] = field(default_factory=list)
    export: list[ExportRows] = field(default_factory=list)
    team_settings: list[TeamSetting] = field(default_factory=list)
    team_checks: list[TeamCheck] = field(default_factory=list)
    trends: list[TrendSection] = field(default_factory=list)
    trend_absences: list[AbsenceClause] = field(default_factory=list)
    trend_away: list[tuple[AwayLoad, AwayRanges]] = field(default_factory=list)


class Router:
    """Workflows register commands (typed words), verbs (card actions), jobs and their parts
    of the shared views here."""

    def __init__(self) -> None:
        self._commands: dict[str, Command] = {}
        self._verbs: dict[str, Command] = {}
        self.jobs: dict[str, Job] = {}
        self.views = Views()
        self.duty = Duty()
        self.tasks: Provided[TaskBook] = Provided("the day's tasks")
        self.task_uses: list[TasksInUse] = []

    def command(
        self,
        name: str,
        handler: Handler,
        *,
        summary: str = "",
        usage: str = "",
        roles: Collection[str] | None = None,
        listed: bool = True,
    ) -> None:
        """`name` matches the whole text or its first words; the rest is `Turn.text`'s args."""
        key = normalise(name)
        if key in self._commands:
            raise ValueError(f"command {key!r} registered twice")
        self._commands[key] = Command(
            key, handler, frozenset(roles) if roles else None, usage or key, summary, listed
        )

    def verb(self, name: str, handler: Handler, *, roles: Collection[str] | None = None) -> None:
        if name in self._verbs:
            raise ValueError(f"verb {name!r} registered twice")
        self._verbs[name] = Command(
            name, handler, frozenset(roles) if roles else None, name, "", False
        )

    def job(self, job: Job) -> None:
        """A scheduled job of the workflow (see `dialogs.jobs`)."""
        if job.name in self.jobs:
            raise ValueError(f"job {job.name!r} registered twice")
        self.jobs[job.name] = job

    def review_section(self, order: int, name: str, load: ReviewLoad) -> None:
        """A part of the morning review; `name` reaches the loaded part (`review.<name>`)."""
        if any(s.name == name for s in self.views.review):
            raise ValueError(f"review section {name!r} registered twice")
        _insert(self.views.review, ReviewSection(order, name, load))

    def period_section(self, order: int, load: PeriodLoad) -> None:
        """Figures over a period: one-to-one preparation lines and the weekly roll-up."""
        _insert(self.views.periods, PeriodSection(order, load))

    def my_week_section(self, order: int, load: MyWeekLoad) -> None:
        _insert(self.views.my_week, MyWeekSection(order, load))

    def trend_section(self, order: int, load: TrendLoad) -> None:
        """Twelve weeks of figures for the supervision tab (see `dialogs.trends`)."""
        _insert(self.views.trends, TrendSection(order, load))

    def trend_absence(self, clause: AbsenceClause) -> None:
        """A reason officers say they are not on duty, as SQL (`dialogs.sections.AbsenceClause`):
        the same rule as the workflow's `absence`, for trends that count on-duty days in SQL."""
        self.views.trend_absences.append(clause)

    def trend_away(self, load: AwayLoad, ranges: AwayRanges) -> None:
        """Planned absences for the trends: the briefing days each member was booked away,
        read before the trend parts (`dialogs.sections.AwayLoad`), and the periods as SQL
        (`AwayRanges`) for the parts to read the few answers given on those days."""
        self.views.trend_away.append((load, ranges))

    def export_rows(
        self,
        order: int,
        load: Callable[[ExportContext], Awaitable[list[Row]]],
        *,
        columns: Collection[str] = (),
    ) -> None:
        """Rows of the CSV export; `columns` are those only these rows fill."""
        _insert(self.views.export, ExportRows(order, load, tuple(columns)))

    def team_setting(self, name: str, parse: Callable[[str], Any]) -> None:
        """A `Team` column the team settings CSV sets; a blank cell means its default."""
        if any(s.name == name for s in self.views.team_settings):
            raise ValueError(f"team setting {name!r} registered twice")
        self.views.team_settings.append(TeamSetting(name, parse))

    def team_check(self, check: TeamCheck) -> None:
        """A rule between team settings, checked before any team is changed."""
        self.views.team_checks.append(check)

    def absence(self, load: LoadAbsences, *, planned: bool) -> None:
        """A reason officers are not on duty (see `dialogs.presence`)."""
        self.duty.add(AbsenceSource(load, planned))

    def tasks_in_use(self, check: TasksInUse) -> None:
        """Something recorded against a day's tasks (see `dialogs.tasks.TasksInUse`)."""
        self.task_uses.append(check)

    def commands_for(self, role: str) -> list[Command]:
        return [c for c in self._commands.values() if c.listed and c.allows(role)]

    def match(self, text: str) -> tuple[Command, str] | None:
        """The longest registered command that starts the text, and the rest of the text."""
        said = normalise(text)
        best: Command | None = None
        for name, command in self._commands.items():
            # a comma may follow the command's words: `categorised, vulnerable yes`
            if (said == name or said.startswith((name + " ", name + ","))) and (
                best is None or len(name) > len(best.name)
            ):
                best = command
        if best is None:
            return None
        words = len(best.name.split(" "))
        rest = " ".join(MENTION.sub(" ", text).split()[words:])
        return best, rest.strip()

    async def dispatch(self, turn: Turn) -> list[Reply]:
        if turn.verb is not None:
            command = self._verbs.get(turn.verb)
            if command is None:
                raise UserError(
                    "That button is no longer in use. Type help to see what you can do."
                )
            self._check_role(command, turn)
            return await command.handler(turn)
        found = self.match(turn.text)
        if found is None:
            return [Reply(text=not_understood(turn.text))]
        command, rest = found
        self._check_role(command, turn)
        turn.text = rest
        return await command.handler(turn)

    @staticmethod
    def _check_role(command: Command, turn: Turn) -> None:
        if not command.allows(turn.officer.role):
            allowed = ", ".join(ROLE_NAMES[r] for r in sorted(command.roles or ()))
            raise UserError(f"Sorry, '{command.usage}' is only for {allowed}.")


def not_understood(text: str) -> str:
    shown = normalise(text)[:40]
    if not shown:
        return "Type help to see what you can do."
    return f"Sorry, I didn't understand '{shown}'. Type help to see what you can do."
