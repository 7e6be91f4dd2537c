"""Figures kept per team and week: a trend part's heaviest statement (the latest briefing or
BWV answer of every member for every day of twelve weeks) is counted once per team and
complete week and the counts kept, so a page counts only the current week and reads the
rest (`weekly_rows`).

Kept figures are never trusted blindly; a team's week is counted again when any of these
changed since it was kept:

- its answers: every insert, change or delete of a daily answer (briefing, BWV, PCSO
  return) adds one to its team and week's stamp (`trend_stamps`), by the database's own
  triggers (migration 0009), whoever writes it (the bot, the demo, a Core insert, the
  retention purge, a cascade). Figures are kept with the stamp read *before* they were
  counted, so an answer stored meanwhile leaves them stale (counted again next time),
  never wrong;
- the team's briefing days in that week (team settings), which the figures name;
- its members: the counts are kept per member and summed over the members now, so one
  who left is dropped; one who joined or came back has the week counted again;
- the rule: the part's key carries a digest of its SQL and constants, so a release that
  counts differently never reads what an older one kept.

What else a statement counts with must not change for a past week: the day an officer
joined the roster (`created_at`, never rewritten) and the absences said in answers (the
same stamps). Days booked away are not counted in SQL at all (the parts set them apart in
Python on every page). A part may use `weekly_rows` only for a statement of that kind:
`(team_id, officer_id, week, *counts)` rows, counts that add up over members, read from
the daily answer tables alone.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from typing import Any, cast

from sqlalchemy import (
    JSON,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    and_,
    bindparam,
    func,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql import ClauseElement

from dialogs.sections import TEAM, TrendContext, TrendShape, TrendStatement, TrendWeeks, built
from storage.lists import INTEGERS, one_of
from storage.models import Base

Counts = Mapping[int, Sequence[int]]
"""Officer id → a statement's counts of one team's week for that officer."""
TeamWeek = tuple[int, int]
"""(team id, week of the window, 0 to 11)."""


class TrendStamp(Base):
    """How many times a team's answers of a week (starting `week`, a Monday) were written:
    kept by triggers on the daily answer tables. No foreign key: a team deleted and made
    again under the same id goes on from its old stamps, so nothing kept before matches."""

    __tablename__ = "trend_stamps"
    __retention__ = "week"

    team_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    week: Mapped[date] = mapped_column(Date, primary_key=True)
    stamp: Mapped[int] = mapped_column(Integer)


class KeptWeek(Base):
    """A part's counts of a team's week, as of `stamp`: `figures` holds `days` (the team's
    briefing days that week, ISO dates), `members` (officer ids counted) and `counts`
    (officer id → the statement's counts)."""

    __tablename__ = "kept_weeks"
    __retention__ = "week"

    team_id: Mapped[int] = mapped_column(
        ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True
    )
    week: Mapped[date] = mapped_column(Date, primary_key=True)
    part: Mapped[str] = mapped_column(String(200), primary_key=True)
    stamp: Mapped[int] = mapped_column(Integer)
    figures: Mapped[dict[str, Any]] = mapped_column(JSON)


@dataclasses.dataclass(frozen=True)
class Kept:
    days: tuple[str, ...]
    members: frozenset[int]
    counts: dict[int, tuple[int, ...]]

    @staticmethod
    @functools.lru_cache(maxsize=4096)
    def read(text: str) -> Kept:
        """The figures kept as `text` (JSON): read once per text, as a page reads the same
        weeks as the page before (a text is what it says, whichever database it came from)."""
        return Kept.of(json.loads(text))

    @staticmethod
    def of(figures: Mapping[str, Any]) -> Kept:
        return Kept(
            tuple(figures["days"]),
            frozenset(figures["members"]),
            {int(k): tuple(v) for k, v in figures["counts"].items()},
        )

    def figures(self) -> dict[str, Any]:
        return {
            "days": list(self.days),
            "members": sorted(self.members),
            "counts": {str(k): list(v) for k, v in sorted(self.counts.items())},
        }


async def weekly_rows(trend: TrendContext, statement: TrendStatement) -> list[tuple[Any, ...]]:
    """The rows `trend.rows(statement)` returns (per member or per team, as the trend keeps
    its figures), the complete weeks read from what is kept (counted and kept where it is
    missing or stale), the current week counted."""
    part = part_key(statement, _keyed_shape(trend))
    kept = await _kept(trend)
    complete = _complete_weeks(trend.weeks)
    found: dict[TeamWeek, Counts] = {}
    missing: list[TeamWeek] = []
    days, members = _days(trend), _member_ids(trend)
    for team in trend.teams:
        now = frozenset(members[team.id])
        for week in range(complete):
            entry = kept.get((part, team.id, week))
            if entry and entry.days == days[team.id][week] and now <= entry.members:
                found[(team.id, week)] = entry.counts
            else:
                missing.append((team.id, week))
    if missing:
        found |= await _count_and_keep(trend, statement, part, missing)
    if complete < trend.weeks.count and trend.weeks.mondays[complete] <= trend.weeks.last:
        current = [
            (team.id, week) for team in trend.teams for week in range(complete, trend.weeks.count)
        ]
        found |= await _count(trend, statement, current)
    return list(_rows(trend, found))


def _keyed_shape(trend: TrendContext) -> TrendShape:
    """The shape a part's key is worked out from (the same for every page)."""
    return dataclasses.replace(trend.shape, by_officer=True, members=True, joiners=1, calendars=1)


@functools.lru_cache(maxsize=64)
def part_key(statement: TrendStatement, shape: TrendShape) -> str:
    """The statement's name and a digest of its SQL and constant values: what a kept week
    was counted by."""
    compiled = cast(ClauseElement, built(statement, shape)).compile()
    constants = sorted(
        (k, repr(v)) for k, v in compiled.params.items() if not k.startswith("trend_")
    )
    digest = hashlib.sha256(f"{compiled}\n{constants}".encode()).hexdigest()[:16]
    return f"{statement.__module__}.{statement.__qualname__}:{digest}"


def _complete_weeks(weeks: TrendWeeks) -> int:
    """How many of the weeks end by `weeks.last` (all but the current one)."""
    return sum(1 for monday in weeks.mondays if monday + timedelta(days=6) <= weeks.last)


def _member_ids(trend: TrendContext) -> dict[int, list[int]]:
    """Team id → its members' ids now (worked out once a page)."""
    if "kept_members" not in trend.memo:
        trend.memo["kept_members"] = {
            t.id: [m.id for m in trend.members.get(t.id, ())] for t in trend.teams
        }
    found: dict[int, list[int]] = trend.memo["kept_members"]
    return found


def _days(trend: TrendContext) -> dict[int, list[tuple[str, ...]]]:
    """Team id → its briefing days of each week, as kept figures name them (worked out
    once a page)."""
    if "kept_days" not in trend.memo:
        found: dict[int, list[tuple[str, ...]]] = {}
        for team in trend.teams:
            weeks: list[list[str]] = [[] for _ in range(trend.weeks.count)]
            for day in trend.calendar.get(team.id, ()):
                weeks[trend.weeks.index(day)].append(day.isoformat())
            found[team.id] = [tuple(week) for week in weeks]
        trend.memo["kept_days"] = found
    days: dict[int, list[tuple[str, ...]]] = trend.memo["kept_days"]
    return days


async def _kept(trend: TrendContext) -> dict[tuple[str, int, int], Kept]:
    """(part, team id, week) → what is kept of the trend's teams' complete weeks and still
    matches its stamp: one statement for every part of a page."""
    if "kept_weeks" not in trend.memo:
        connection = await trend.session.connection()
        params = {
            "kept_teams": trend.team_ids,
            "kept_first": trend.weeks.first,
            "kept_last": trend.weeks.last - timedelta(days=6),
        }
        rows = await connection.execute(_kept_statement(), params)
        trend.memo["kept_weeks"] = {
            (part, team_id, trend.weeks.index(week)): Kept.read(figures)
            for part, team_id, week, figures in rows
        }
    found: dict[tuple[str, int, int], Kept] = trend.memo["kept_weeks"]
    return found


@functools.cache
def _kept_statement() -> Any:
    kept, stamp = KeptWeek, TrendStamp
    return (
        select(kept.part, kept.team_id, kept.week, kept.figures.cast(Text))
        .outerjoin(stamp, and_(stamp.team_id == kept.team_id, stamp.week == kept.week))
        .where(
            one_of(kept.team_id, bindparam("kept_teams", type_=INTEGERS)),
            kept.week >= bindparam("kept_first", type_=Date),
            kept.week <= bindparam("kept_last", type_=Date),
            kept.stamp == func.coalesce(stamp.stamp, 0),
        )
    )


@functools.cache
def _stamps_statement() -> Any:
    return select(TrendStamp.team_id, TrendStamp.week, TrendStamp.stamp).where(
        one_of(TrendStamp.team_id, bindparam("kept_teams", type_=INTEGERS)),
        TrendStamp.week >= bindparam("kept_first", type_=Date),
        TrendStamp.week <= bindparam("kept_last", type_=Date),
    )


async def _count_and_keep(
    trend: TrendContext, statement: TrendStatement, part: str, missing: Sequence[TeamWeek]
) -> dict[TeamWeek, Counts]:
    """Count the missing weeks and keep them with the stamps read first."""
    mondays = trend.weeks.mondays
    connection = await trend.session.connection()
    params = {
        "kept_teams": sorted({team_id for team_id, _ in missing}),
        "kept_first": mondays[min(week for _, week in missing)],
        "kept_last": mondays[max(week for _, week in missing)],
    }
    stamps = {
        (team_id, trend.weeks.index(week)): stamp
        for team_id, week, stamp in await connection.execute(_stamps_statement(), params)
    }
    counted = await _count(trend, statement, missing)
    days, members = _days(trend), _member_ids(trend)
    kept = [
        {
            "team_id": team_id,
            "week": mondays[week],
            "part": part,
            "stamp": stamps.get((team_id, week), 0),
            "figures": Kept(
                days[team_id][week], frozenset(members[team_id]), dict(counted[(team_id, week)])
            ).figures(),
        }
        for team_id, week in sorted(missing)
    ]
    module = postgresql if connection.dialect.name == "postgresql" else sqlite
    insert = module.insert(KeptWeek).values(kept)
    await connection.execute(
        insert.on_conflict_do_update(
            index_elements=["team_id", "week", "part"],
            set_={"stamp": insert.excluded.stamp, "figures": insert.excluded.figures},
        )
    )
    return {key: counted[key] for key in missing}


async def _count(
    trend: TrendContext, statement: TrendStatement, wanted: Iterable[TeamWeek]
) -> dict[TeamWeek, dict[int, tuple[int, ...]]]:
    """The statement's counts per member of the wanted teams' weeks (every one present,
    empty where nothing was counted): run once over the weeks from the first wanted to the
    last, for the teams wanted, with their members now."""
    wanted = list(wanted)
    team_ids = {team_id for team_id, _ in wanted}
    weeks = [week for _, week in wanted]
    first, last = min(weeks), max(weeks)
    window = TrendWeeks(
        first=trend.weeks.mondays[first],
        last=min(trend.weeks.last, trend.weeks.mondays[last] + timedelta(days=6)),
        count=trend.weeks.count,
    )
    teams = [team for team in trend.teams if team.id in team_ids]
    part = dataclasses.replace(
        trend,
        teams=teams,
        members={t.id: trend.members.get(t.id, ()) for t in teams},
        weeks=window,
        calendar={
            t.id: [d for d in trend.calendar.get(t.id, ()) if window.first <= d <= window.last]
            for t in teams
        },
        by_officer=True,
        memo={},
    )
    found: dict[TeamWeek, dict[int, tuple[int, ...]]] = {key: {} for key in wanted}
    for team_id, officer_id, week, *counts in await part.rows(statement):
        key = (team_id, first + week)
        if key in found:
            found[key][officer_id] = tuple(int(c or 0) for c in counts)
    return found


def _rows(trend: TrendContext, found: Mapping[TeamWeek, Counts]) -> Iterable[tuple[Any, ...]]:
    """Per member now, or summed over the members now per team."""
    members = _member_ids(trend)
    for (team_id, week), counts in found.items():
        counted = [(m, counts[m]) for m in members[team_id] if m in counts]
        if trend.by_officer:
            yield from ((team_id, officer_id, week, *c) for officer_id, c in counted)
        elif counted:
            summed = (sum(column) for column in zip(*(c for _, c in counted), strict=True))
            yield (team_id, TEAM, week, *summed)
