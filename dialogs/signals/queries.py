"""The signals API: every signal of the teams' members over each team's rolling window
(`find_signals`), and the history of those marked discussed (`discussed_signals`).

`find_signals` runs three statements, whatever the number of teams or the length of the
history: the members; their window of briefing answers, away periods, BWV answers, PCSO
returns and referenced tasks, in one (`dialogs.signals.history`); and the discussions. The
rules themselves run in Python over what those return (`dialogs.signals.rules`).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Select, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from dialogs.people import Person, joined_on, person
from dialogs.signals import rules
from dialogs.signals.history import History, load_discussions, load_history
from dialogs.signals.kinds import (
    BWV_HELP_REPEATED,
    FOR_DISCUSSION,
    KINDS,
    SILENT_KIND,
    TITLES,
    VULNERABLE_NO_VPC,
    VULNERABLE_REPEATED,
    Discussion,
    Evidence,
    Signal,
    evidence_from_json,
    signal_key,
    summary,
)
from dialogs.signals.models import SignalDiscussion
from storage import officers
from storage.lists import INTEGERS, one_of
from storage.models import Officer, Team

__all__ = [
    "KINDS",
    "Discussion",
    "Evidence",
    "Signal",
    "discussed_signals",
    "find_signals",
]

FORCE_ZONE = ZoneInfo("Europe/London")
"""The working day's zone when a caller gives none (the service's default zone)."""
Marked = tuple[SignalDiscussion, Officer | None]
"""A stored discussion and who marked it (None once they have left the roster)."""
Discussed = dict[tuple[int, str], list[Marked]]


async def find_signals(
    session: AsyncSession,
    teams: Sequence[Team],
    *,
    today: date,
    zone: ZoneInfo,
    members: Mapping[int, Sequence[Officer]] | None = None,
) -> list[Signal]:
    """Every signal of the teams' members over each team's rolling window ending `today`,
    open and discussed, most urgent first (open before discussed). Three statements,
    whatever the number of teams or the length of the history.
    `members` (`officers.members_of_teams` of the teams) when the caller has read them."""
    if not teams:
        return []
    if members is None:
        members = await officers.members_of_teams(session, [t.id for t in teams])
    ids = [m.id for team in teams for m in members.get(team.id, ())]
    if not ids:
        return []
    windows = {team.id: rules.Window(team, today) for team in teams}
    first = min(window.first for window in windows.values())
    history = await load_history(
        session, [t.id for t in teams], _briefing(teams, windows, members), first, today
    )
    discussed: Discussed = {}
    for row, by in await load_discussions(session, ids, first):
        discussed.setdefault((row.officer_id, row.kind), []).append((row, by))
    by_key = {row.key: (row, by) for rows in discussed.values() for row, by in rows}
    found: list[Signal] = []
    for team in teams:
        window = windows[team.id]
        for member in members.get(team.id, ()):
            since = joined_on(member, zone)
            found.extend(_of_officer(member, window, history, (discussed, by_key), since))
    return sorted(found, key=signal_order)


def _briefing(
    teams: Sequence[Team],
    windows: Mapping[int, rules.Window],
    members: Mapping[int, Sequence[Officer]],
) -> list[tuple[list[int], tuple[date, ...]]]:
    """The members with the briefing days of their team's window (teams with the same
    days together)."""
    found: dict[tuple[date, ...], list[int]] = {}
    for team in teams:
        days = windows[team.id].briefing_days
        found.setdefault(days, []).extend(m.id for m in members.get(team.id, ()))
    return [(ids, days) for days, ids in found.items()]


def signal_order(signal: Signal) -> tuple[bool, int, int, str, str]:
    """Most urgent first, open before discussed; each signal's key makes the order total, so
    signals found team by team sort as those found together."""
    return (
        not signal.open,
        signal.urgency,
        -signal.last_day.toordinal(),
        signal.officer.collar,
        signal.key,
    )


def _of_officer(
    member: Officer,
    window: rules.Window,
    history: History,
    marked: tuple[Discussed, dict[str, Marked]],
    since: date,
) -> list[Signal]:
    """The officer's signals: a discussed one as it was marked, an open one as it stands."""
    who, team, oid = person(member), window.team, member.id
    days = history.of_officer(oid)
    discussed, by_key = marked
    found: list[Signal] = []
    for evidence in rules.vulnerable_no_vpc(days, window):
        key = signal_key(VULNERABLE_NO_VPC, who.collar, evidence[-1].day)
        if key in by_key:
            found.append(signal_from_discussion(*by_key[key], who, team))
        else:
            found.append(_open(VULNERABLE_NO_VPC, who, team, evidence))
    starts = {
        VULNERABLE_REPEATED: window.vulnerable_first,
        SILENT_KIND: window.signal_first,
        BWV_HELP_REPEATED: window.signal_first,
    }
    for kind, start in starts.items():
        rows = discussed.get((oid, kind), [])
        found.extend(
            signal_from_discussion(row, by, who, team)
            for row, by in rows
            if row.through_day >= start
        )
        after = max((row.through_day for row, _ in rows), default=None)
        pattern: tuple[Evidence, ...] | None
        if kind == VULNERABLE_REPEATED:
            pattern = rules.vulnerable_repeated(oid, days, window, history, after)
        elif kind == SILENT_KIND:
            pattern = rules.silent(oid, window, history, after, since)
        else:
            pattern = rules.bwv_help_repeated(days, window, after)
        if pattern:
            found.append(_open(kind, who, team, pattern))
    return found


def _open(kind: str, who: Person, team: Team, evidence: tuple[Evidence, ...]) -> Signal:
    return Signal(
        key=signal_key(kind, who.collar, evidence[-1].day),
        kind=kind,
        officer=who,
        team=team,
        first_day=evidence[0].day,
        last_day=evidence[-1].day,
        evidence=evidence,
        summary=summary(kind, who, evidence, team),
        discussion=None,
    )


def signal_from_discussion(
    row: SignalDiscussion, by: Officer | None, who: Person, team: Team
) -> Signal:
    """A discussed signal as it was when it was marked (its stored evidence)."""
    evidence = evidence_from_json(row.evidence)
    marked = person(by).label if by is not None else "someone no longer on the roster"
    return Signal(
        key=row.key,
        kind=row.kind,
        officer=who,
        team=team,
        first_day=row.first_day,
        last_day=row.through_day,
        evidence=evidence,
        summary=summary(row.kind, who, evidence, team)
        if evidence
        else f"{TITLES.get(row.kind, row.kind)}: {who.label} {FOR_DISCUSSION}",
        discussion=Discussion(by=marked, at=row.discussed_at, note=row.note),
    )


async def discussed_signals(
    session: AsyncSession,
    teams: Sequence[Team],
    *,
    first: date,
    last: date,
    zone: ZoneInfo = FORCE_ZONE,
) -> list[Signal]:
    """Signals marked discussed between `first` and `last` (local days in `zone`), from the
    stored discussions (their evidence as it was then), newest first: the history. One
    query, on (team_id, discussed_at)."""
    if not teams:
        return []
    by_id = {team.id: team for team in teams}
    start = datetime.combine(first, time(), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), time(), tzinfo=zone).astimezone(UTC)
    params = {"teams": list(by_id), "start": start, "end": end}
    rows = await session.execute(_discussed_statement(), params)
    return [
        signal_from_discussion(row, by, person(officer), by_id[row.team_id])
        for row, officer, by in rows
    ]


@functools.cache
def _discussed_statement() -> Select[SignalDiscussion, Officer, Officer]:
    """The teams' discussions from `start` to `end` with whom they are about and who marked
    them (built once, run with its values bound)."""
    about, marker = aliased(Officer), aliased(Officer)
    return (
        select(SignalDiscussion, about, marker)
        .join(about, about.id == SignalDiscussion.officer_id)
        .outerjoin(marker, marker.id == SignalDiscussion.discussed_by_id)
        .where(
            one_of(SignalDiscussion.team_id, bindparam("teams", type_=INTEGERS)),
            SignalDiscussion.discussed_at >= bindparam("start"),
            SignalDiscussion.discussed_at < bindparam("end"),
        )
        .order_by(SignalDiscussion.discussed_at.desc(), SignalDiscussion.id.desc())
    )
