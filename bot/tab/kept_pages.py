"""Drawn pages kept while nothing they show has changed.

An overview is the tab's heaviest page: a district's ten teams, twelve weeks of every
workflow's figures, the signals of a hundred officers and some 1,500 elements of HTML. A
supervisor goes back to it again and again (from a team, from an officer, from a review),
and on most of those visits nothing it shows has been written since it was last drawn.

Each page is kept with the stamps of the teams it shows (`storage.stamps`), read *before*
it was drawn. The database moves a team's stamp on every write to anything its pages show,
whoever writes it, so a page whose teams' stamps read the same now is what drawing it
again would give, and is handed back as it is; a write committed while it was being drawn
leaves it stale, never wrong. A page is kept for the one viewer (their role and teams, as
the roster has them now) and the one day it was drawn for: the next day's first view draws
it afresh, and what was kept the day before is dropped then.

The kept pages are the process's own, so a service running several processes keeps a set
in each, each checked against the same stamps. Every view is still audited.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Generic, TypeVar

from storage.models import Officer, Team

P = TypeVar("P")
T = TypeVar("T")
V = TypeVar("V")

SIZE = 256
"""Pages kept at most, the least recently shown dropped first: an overview's HTML is some
90 to 140 kB (the bench's sergeant's, inspector's and team pages), so a full set holds
some 35 MB at most."""
TEAMS = 1024
"""Teams' figures kept at most, the least recently used dropped first: with a row per
PCSO a team's are mostly its members' rows written out, some 30 kB, so a full set holds
some 30 MB at most."""


class OneDay(Generic[V]):
    """Values kept for one day, at most `size` of them, the least recently used dropped
    first; keeping a value for a new day drops everything kept for the day before."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._values: OrderedDict[Hashable, V] = OrderedDict()
        self._day: date | None = None

    def get(self, key: Hashable, day: date) -> V | None:
        value = self._values.get(key) if day == self._day else None
        if value is not None:
            self._values.move_to_end(key)
        return value

    def put(self, key: Hashable, day: date, value: V) -> None:
        if day != self._day:
            self._values.clear()
            self._day = day
        self._values[key] = value
        self._values.move_to_end(key)
        while len(self._values) > self.size:
            self._values.popitem(last=False)

    def discard(self, key: Hashable) -> None:
        self._values.pop(key, None)

    def clear(self) -> None:
        self._values.clear()

    def __len__(self) -> int:
        return len(self._values)


@dataclass(frozen=True)
class Kept(Generic[P]):
    stamps: tuple[tuple[int, int | None], ...]
    """(team id, its stamp when the page was drawn) for each team the page shows."""
    page: P


class KeptPages(Generic[P]):
    """The pages kept by one process: `find` before drawing a page, `keep` after."""

    def __init__(self, size: int = SIZE) -> None:
        self.teams: KeptTeams[Any] = KeptTeams()
        """What the pages drew of each team, for a page drawn again after a write to some
        of its teams (`bot/tab/trend_pages.py` `team_figures`)."""
        self._pages: OneDay[Kept[P]] = OneDay(size)
        self.found = 0
        self.drawn = 0

    @staticmethod
    def key(
        name: str,
        params: Mapping[str, str],
        viewer: Officer,
        teams: Sequence[Team],
        day: date,
    ) -> Hashable:
        """What a page is kept under: the page and its parameters, the viewer and the teams
        they may see (names and districts included: a page lists them), and the day."""
        return (
            name,
            tuple(sorted(params.items())),
            viewer.id,
            viewer.role,
            tuple((t.id, t.name, t.district) for t in teams),
            day,
        )

    def find(self, key: Hashable, day: date, stamps: Mapping[int, int]) -> P | None:
        """The page kept under `key` on `day` if its teams' stamps still read as `stamps`
        (read now, before anything else the page would show), else None."""
        kept = self._pages.get(key, day)
        if kept is None:
            return None
        if any(stamps.get(team_id) != stamp for team_id, stamp in kept.stamps):
            self._pages.discard(key)
            return None
        self.found += 1
        return kept.page

    def keep(
        self,
        key: Hashable,
        day: date,
        stamps: Mapping[int, int],
        team_ids: Sequence[int],
        page: P,
    ) -> None:
        """Keep `page`, drawn on `day` for the teams `team_ids` after reading `stamps`."""
        self.drawn += 1
        kept = Kept(tuple((t, stamps.get(t)) for t in sorted(set(team_ids))), page)
        self._pages.put(key, day, kept)

    def clear(self) -> None:
        self._pages.clear()
        self.teams.clear()

    def __len__(self) -> int:
        return len(self._pages)


class KeptTeams(Generic[T]):
    """What a page drew of each team on a day, kept while the team's stamp stands: a page
    of many teams drawn again after a write to one of them draws that one alone."""

    def __init__(self, size: int = TEAMS) -> None:
        self._kept: OneDay[tuple[int | None, T]] = OneDay(size)
        self.found = 0
        self.drawn = 0

    def find(self, key: Hashable, day: date, stamp: int | None) -> T | None:
        """A team's figures kept under `key` (the team and what kind of figures) on `day`
        if its stamp (read before anything the page shows) is still `stamp`, else None."""
        kept = self._kept.get(key, day)
        if kept is None or kept[0] != stamp:
            return None
        self.found += 1
        return kept[1]

    def keep(self, key: Hashable, day: date, stamp: int | None, figures: T) -> None:
        """Keep a team's figures, drawn on `day` after reading its stamp as `stamp`."""
        self.drawn += 1
        self._kept.put(key, day, (stamp, figures))

    def clear(self) -> None:
        self._kept.clear()
