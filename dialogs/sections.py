"""The parts workflows contribute to the shared views: the morning review, the figures over a
period (one-to-one preparation, the weekly roll-up) and `my week`.

A workflow registers a loader with its router (`router.review_section`,
`router.period_section`, `router.my_week_section`); the view calls every loader with one
context and puts the parts together in their registered order. Each loader runs a fixed
number of indexed queries, so a view's cost follows the number of workflows and the size of
the team, never the length of the history. Parts say what they know about absences
(`presence`), and the view hands every part the combined `Presence` before it renders.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from dialogs.core import Section
from dialogs.people import Person, joined_on, people, person
from dialogs.presence import Presence
from storage.models import Officer, Team

# --- the morning review ------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewDays:
    """`day` is reviewed; `previous` is the briefing day whose work is reported. (Who has
    not answered several days running is a signal: `dialogs.signals`.)"""

    day: date
    previous: date | None
    briefing_today: bool

    @property
    def wanted(self) -> set[date]:
        return {self.day, *([self.previous] if self.previous else [])}


@dataclass
class ReviewContext:
    """One team's review: members and sergeants are read once by the view. `signalled`
    are the officers a part already reports under a heading (`SIGNALLED_SILENT`: silent
    several briefing days running, up to today; `SIGNALLED_NEED_HELP`: asked for BWV help
    on several days, the previous briefing day among them), so other parts need not list
    them again."""

    session: AsyncSession
    team: Team
    days: ReviewDays
    zone: ZoneInfo
    members: Sequence[Officer]
    sergeants: Sequence[Officer]
    presence: Presence = field(default_factory=Presence)
    signalled: Mapping[str, frozenset[int]] = field(default_factory=dict)

    async def people(self, ids: Collection[int]) -> dict[int, Person]:
        """Members and sergeants as known; anyone else in one query."""
        known = {p.id: person(p) for p in (*self.members, *self.sergeants)}
        return known | await people(self.session, set(ids) - known.keys())


# How urgent each kind of "Needs your attention" line is: the review lists them in this
# order (a part's plain `attention` lines come at OTHER).
UNREACHABLE, SILENT, NEED_HELP, RETURNS_MISSING, TASKS_NOT_DONE = 10, 20, 30, 40, 45
NOT_ANSWERED, OTHER, ONE_TO_ONES, VULNERABLE, SUPERVISION = 50, 55, 60, 70, 80
SIGNALLED_SILENT, SIGNALLED_NEED_HELP = "silent", "need_help"


class ReviewPart:
    """One workflow's part of a review; by default it shows and flags nothing."""

    def presence(self) -> Presence:
        return Presence()

    def signalled(self, review: ReviewContext) -> Mapping[str, frozenset[int]]:
        """Officers this part reports, by what (see `ReviewContext.signalled`)."""
        return {}

    def attention(self, review: ReviewContext) -> Sequence[str]:
        """Lines for "Needs your attention"."""
        return ()

    def flags(self, review: ReviewContext) -> Sequence[tuple[int, str]]:
        """(urgency, line) for "Needs your attention": by default the `attention` lines."""
        return [(OTHER, line) for line in self.attention(review)]

    def tally(self, review: ReviewContext) -> str | None:
        """A few words for the review's one-line tally, e.g. "briefing 7 of 10 answered"."""
        return None

    def sections(self, review: ReviewContext) -> Sequence[Section]:
        return ()

    def reports(self, review: ReviewContext) -> bool:
        """Whether something was recorded, or is owed: a missing answer is worth reporting."""
        return False

    def counts(self, review: ReviewContext) -> Sequence[tuple[str, Mapping[str, int]]]:
        """(whose, the five counts) of the returns this part holds, labelled for the card."""
        return ()


ReviewLoad = Callable[[ReviewContext], Awaitable[ReviewPart]]


@dataclass(frozen=True)
class ReviewSection:
    order: int
    name: str
    load: ReviewLoad


# --- figures over a period ---------------------------------------------------------------


@dataclass
class PeriodContext:
    """A team's briefing days in a period, as of `today` (one-to-ones overdue by then)."""

    session: AsyncSession
    team: Team
    members: Sequence[Officer]
    days: Sequence[date]
    zone: ZoneInfo
    today: date
    presence: Presence = field(default_factory=Presence)

    @property
    def first(self) -> date:
        return min(self.days)

    @property
    def last(self) -> date:
        return max(self.days)

    def days_of(self, member: Officer) -> list[date]:
        """The period's briefing days since the member joined the roster."""
        since = joined_on(member, self.zone)
        return [day for day in self.days if day >= since]


class PeriodPart:
    """One workflow's figures over a period; by default none."""

    def presence(self) -> Presence:
        return Presence()

    def officer(self, member: Officer, period: PeriodContext) -> str | None:
        """A phrase for the officer's one-to-one preparation line."""
        return None

    def team(self, period: PeriodContext) -> Sequence[tuple[str, str]]:
        """(label, value) facts for the team in the weekly roll-up."""
        return ()


PeriodLoad = Callable[[PeriodContext], Awaitable[PeriodPart]]


@dataclass(frozen=True)
class PeriodSection:
    order: int
    load: PeriodLoad


# --- my week -----------------------------------------------------------------------------


@dataclass(frozen=True)
class MyWeekContext:
    session: AsyncSession
    officer_id: int
    first: date
    last: date
    zone: ZoneInfo


class MyWeekPart:
    def describe(self, day: date) -> Sequence[str]:
        """What the officer recorded on the day, as short phrases."""
        return ()


MyWeekLoad = Callable[[MyWeekContext], Awaitable[MyWeekPart]]


@dataclass(frozen=True)
class MyWeekSection:
    order: int
    load: MyWeekLoad
