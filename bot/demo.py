"""The demo district: a fictional district of three teams with twelve weeks of history, for
trying the supervision tab on your own machine (`pcso-bot demo load`, docs/guide.md) and for
the tests of signals and of the tab in a browser. Written directly with the models on top of
a migrated store, deterministic (seeded).

Swale district: Sittingbourne CSU and Faversham CSU (supervised by one sergeant) and Swale
PSTF (its own sergeant), an inspector for the district and an admin. The people are made up
(addresses @police.example). Each team has a team leader and five or six PCSOs, who answer
~90% of briefings (in person mostly, some remote, rest days, leave, training, court, the odd
sick day and no answer), take annual leave, answer most BWV reminders (with the
vulnerable-contact question), are tasked daily (references on most tasks) and have monthly
one-to-ones; team leaders send returns; Faversham CSU has PCSO daily returns on. The history
ends `today`: that morning's briefing answers, and everything else up to the day before.

Every signal kind is present exactly once (`District.expected`), and one other signal has
already been discussed (`District.discussed`), so the history has an entry. The random
history keeps clear of the signals' windows where it could raise another one: need_help
and vulnerable contact without categorised footage only before the 28-day window, every
vulnerable contact inside it covered by a referenced task, and no unexplained silence
running up to today.

`holds_only_demo` and `remove_demo` let the command load it only into a store of its own.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from dialogs.away.models import AwayPeriod
from dialogs.briefing.models import AttendanceAnswer
from dialogs.bwv.models import BwvAnswer
from dialogs.calendar import is_briefing_day
from dialogs.one_to_one.models import OneToOne
from dialogs.pcso_returns.models import PcsoReturn
from dialogs.returns.models import TaskOutcome, TeamReturn
from dialogs.review.models import ReviewRead
from dialogs.signals.kinds import (
    BWV_HELP_REPEATED,
    SILENT_KIND,
    VULNERABLE_NO_VPC,
    VULNERABLE_REPEATED,
    signal_key,
)
from dialogs.signals.models import SignalDiscussion
from dialogs.tasking.models import Task, TaskAssignee, Tasking
from storage.models import Officer, Supervision, Team

ZONE = ZoneInfo("Europe/London")
SEED = 15
WEEKS = 12  # of history, by default
FEWEST_WEEKS, MOST_WEEKS = 6, 52  # enough for every window; a year at most
DISTRICT = "Swale"
SITTINGBOURNE, FAVERSHAM, PSTF = "Sittingbourne CSU", "Faversham CSU", "Swale PSTF"
TEAM_NAMES = (SITTINGBOURNE, FAVERSHAM, PSTF)
# (collar, name, role, team); sergeants supervise the teams listed in SUPERVISES.
ROSTER = (
    ("TL401", "Dani Whitmore", "team_leader", SITTINGBOURNE),
    ("P401", "Kieran Ashby", "pcso", SITTINGBOURNE),
    ("P402", "Leah Brennan", "pcso", SITTINGBOURNE),
    ("P403", "Tom Fairweather", "pcso", SITTINGBOURNE),
    ("P404", "Priya Nair", "pcso", SITTINGBOURNE),
    ("P405", "Owen Blake", "pcso", SITTINGBOURNE),
    ("P406", "Grace Holloway", "pcso", SITTINGBOURNE),
    ("TL411", "Marcus Reed", "team_leader", FAVERSHAM),
    ("P411", "Hannah Price", "pcso", FAVERSHAM),
    ("P412", "Ben Carver", "pcso", FAVERSHAM),
    ("P413", "Sofia Marsh", "pcso", FAVERSHAM),
    ("P414", "Jack Tanner", "pcso", FAVERSHAM),
    ("P415", "Amira Hassan", "pcso", FAVERSHAM),
    ("TL421", "Rhys Collins", "team_leader", PSTF),
    ("P421", "Chloe Dunn", "pcso", PSTF),
    ("P422", "Nathan Hurst", "pcso", PSTF),
    ("P423", "Ellie Shaw", "pcso", PSTF),
    ("P424", "Callum Frost", "pcso", PSTF),
    ("P425", "Maya Patel", "pcso", PSTF),
    ("S401", "Helen Garner", "sergeant", None),
    ("S402", "Ravi Mistry", "sergeant", None),
    ("I901", "Joanne Clarke", "inspector", None),
    ("A901", "Sam Ridley", "admin", None),
)
SUPERVISES = {"S401": (SITTINGBOURNE, FAVERSHAM), "S402": (PSTF,)}
# Who each signal is about (the rest of the district raises none).
NO_VPC, REPEATED, SILENT, NEED_HELP = "P402", "P413", "P424", "P405"
CURRENTLY_AWAY = "P404"  # on annual leave up to and beyond today: not silent
DISCUSSED = "P422"  # a vulnerable contact without VPC footage, already discussed
OVERDUE = "P415"  # no one-to-one for seven weeks
TASKS = (
    ("High-visibility patrol, town centre ASB hotspot", "OSARA-{n}"),
    ("Speedwatch with community volunteers", None),
    ("Welfare check following a concern for welfare", "CAD {n}"),
    ("School gate parking, {place}", None),
    ("Visit repeat caller under the problem-solving plan", "OSARA-{n}"),
    ("Shop watch visits, {place}", "CAD {n}"),
    ("PACT meeting preparation", None),
)
PLACES = ("High Street", "Milton Regis", "Murston", "Abbey ward", "Davington", "the Forum")
VISIT = "Follow-up visit to a vulnerable resident (safeguarding referral)"


@dataclass(frozen=True)
class Expected:
    """A signal the district holds: its kind, who it is about and its evidence's days."""

    kind: str
    collar: str
    days: tuple[date, ...]


@dataclass(frozen=True)
class District:
    name: str
    first: date  # the history's first day
    today: date  # and its last
    team_ids: dict[str, int]  # team name -> id
    pcsos: dict[str, tuple[str, ...]]  # team name -> PCSO collars
    team_leaders: dict[str, tuple[str, ...]]  # team name -> team leader collars
    sergeants: dict[str, tuple[str, ...]]  # team name -> supervising sergeant collars
    inspector: str
    admin: str
    names: dict[str, str]  # collar -> name
    expected: dict[str, Expected]  # kind -> the one open signal of that kind
    discussed: Expected  # the signal already discussed
    discussed_key: str

    def members(self, team: str) -> tuple[str, ...]:
        """The team's team leaders and PCSOs."""
        return self.team_leaders[team] + self.pcsos[team]

    def team_of(self, collar: str) -> str:
        return next(t for t in self.team_ids if collar in self.members(t))


@dataclass
class _Builder:
    session: AsyncSession
    today: date
    weeks: int
    zone: ZoneInfo
    rng: random.Random
    teams: dict[str, Team] = field(default_factory=dict)
    officer: dict[str, Officer] = field(default_factory=dict)
    away: dict[str, set[date]] = field(default_factory=dict)

    @property
    def first(self) -> date:
        return self.today - timedelta(weeks=self.weeks) + timedelta(days=1)

    def at(self, day: date, hour: int, minute: int = 0) -> datetime:
        """An instant of the day, local time, in UTC as the store keeps it."""
        return datetime.combine(day, time(hour, minute), tzinfo=self.zone).astimezone(UTC)

    @property
    def window_start(self) -> date:
        """Before this day the random history may hold anything (30 > the 28-day window)."""
        return self.today - timedelta(days=30)

    def briefing_days(self) -> list[date]:
        team = self.teams[SITTINGBOURNE]  # the three teams share the default calendar
        days = (self.first + timedelta(days=n) for n in range(self.weeks * 7))
        return [d for d in days if is_briefing_day(team, d)]

    def back(self, n: int) -> date:
        """The n-th briefing day before the latest one up to today (0: that one)."""
        return self.briefing_days()[-1 - n]

    def add(self, row: object) -> None:
        self.session.add(row)


async def write_district(
    session: AsyncSession, *, today: date, weeks: int = WEEKS, zone: ZoneInfo = ZONE
) -> District:
    """Write the district, its history `weeks` long ending `today` (local days in `zone`),
    in the session's transaction, and say what it holds."""
    if not FEWEST_WEEKS <= weeks <= MOST_WEEKS:
        raise ValueError(f"weeks must be from {FEWEST_WEEKS} to {MOST_WEEKS}")
    b = _Builder(session, today, weeks, zone, random.Random(SEED))
    await _roster(b)
    _away_periods(b)
    plan = _plan(b)
    days = b.briefing_days()
    for day in days:
        await _day(b, day, plan)
    _one_to_ones(b)
    _reviews_read(b, days)
    discussed, key = _discussed(b)
    await session.flush()
    return District(
        name=DISTRICT,
        first=b.first,
        today=today,
        team_ids={name: team.id for name, team in b.teams.items()},
        pcsos=_collars("pcso"),
        team_leaders=_collars("team_leader"),
        sergeants={t: tuple(s for s, ts in SUPERVISES.items() if t in ts) for t in TEAM_NAMES},
        inspector="I901",
        admin="A901",
        names={collar: name for collar, name, _, _ in ROSTER},
        expected={
            VULNERABLE_NO_VPC: Expected(VULNERABLE_NO_VPC, NO_VPC, (plan.no_vpc,)),
            VULNERABLE_REPEATED: Expected(VULNERABLE_REPEATED, REPEATED, plan.repeated),
            SILENT_KIND: Expected(SILENT_KIND, SILENT, plan.silent),
            BWV_HELP_REPEATED: Expected(BWV_HELP_REPEATED, NEED_HELP, plan.need_help),
        },
        discussed=discussed,
        discussed_key=key,
    )


def _collars(role: str) -> dict[str, tuple[str, ...]]:
    return {
        team: tuple(c for c, _, r, t in ROSTER if t == team and r == role) for team in TEAM_NAMES
    }


async def _roster(b: _Builder) -> None:
    joined = b.at(b.first - timedelta(days=60), 9)
    for name in TEAM_NAMES:
        team = Team(name=name, district=DISTRICT, pcso_returns=name == FAVERSHAM, created_at=joined)
        b.teams[name] = team
        b.add(team)
    await b.session.flush()
    for n, (collar, name, role, team_name) in enumerate(ROSTER):
        first, last = name.lower().split(" ", 1)
        officer = Officer(
            collar_number=collar,
            name=name,
            role=role,
            team_id=b.teams[team_name].id if team_name else None,
            district="Force HQ" if role == "admin" else DISTRICT,
            email=f"{first}.{last}@police.example",
            aad_object_id=_aad_object_id(n),
            created_at=joined,
        )
        b.officer[collar] = officer
        b.add(officer)
    await b.session.flush()
    for sergeant, teams in SUPERVISES.items():
        for team_name in teams:
            b.add(Supervision(sergeant_id=b.officer[sergeant].id, team_id=b.teams[team_name].id))


def _aad_object_id(n: int) -> str:
    """The n-th demo officer's Entra ID object id: of a fixed, made-up pattern."""
    return f"5a1e0000-0015-4000-8000-{n + 1:012d}"


def _members() -> list[tuple[str, str]]:
    return [(c, t) for c, _, r, t in ROSTER if r in ("pcso", "team_leader") and t]


def _away_periods(b: _Builder) -> None:
    """A week's annual leave for about half the officers in the older weeks, a two-day
    course for one, and one officer on leave now."""
    older_last = b.today - timedelta(days=35)
    for collar, _team in _members():
        if collar in (NO_VPC, REPEATED, SILENT, NEED_HELP, DISCUSSED) or b.rng.random() < 0.5:
            continue
        start = b.first + timedelta(
            days=b.rng.randrange(7, max(8, (older_last - b.first).days - 7))
        )
        start -= timedelta(days=start.weekday())  # a Monday to the Friday
        _book(b, collar, start, start + timedelta(days=4), "annual_leave")
    course = b.back(25)
    _book(b, "P423", course, course + timedelta(days=1), "training")
    _book(b, CURRENTLY_AWAY, b.back(3), b.today + timedelta(days=4), "annual_leave")


def _book(b: _Builder, collar: str, first: date, last: date, reason: str) -> None:
    b.add(
        AwayPeriod(
            officer_id=b.officer[collar].id,
            first_day=first,
            last_day=last,
            reason=reason,
            created_at=b.at(first - timedelta(days=10), 10),
        )
    )
    span = (first + timedelta(days=n) for n in range((last - first).days + 1))
    b.away.setdefault(collar, set()).update(span)


@dataclass(frozen=True)
class _Plan:
    no_vpc: date
    repeated: tuple[date, ...]
    silent: tuple[date, ...]
    need_help: tuple[date, ...]
    covered: tuple[date, ...]  # REPEATED's other vulnerable contacts, each under a reference
    discussed: date

    @property
    def fixed(self) -> set[tuple[str, date]]:
        """The days the signals' officers are at the briefing, whatever the dice say."""
        return {
            (NO_VPC, self.no_vpc),
            (DISCUSSED, self.discussed),
            *((REPEATED, d) for d in (*self.repeated, *self.covered)),
            *((NEED_HELP, d) for d in self.need_help),
        }


def _plan(b: _Builder) -> _Plan:
    recent = [d for d in b.briefing_days() if b.today - timedelta(days=12) <= d < b.today]
    return _Plan(
        no_vpc=b.back(2),
        repeated=(recent[0], recent[len(recent) // 2], recent[-1]),
        silent=tuple(sorted(b.back(n) for n in range(4))),
        need_help=(b.back(12), b.back(6)),
        covered=tuple(d for d in recent[1:-1] if d != recent[len(recent) // 2])[:2],
        discussed=b.back(14),
    )


ATTENDANCE = (
    ("in_person", 0.72),
    ("remote", 0.14),
    ("rest_day", 0.03),
    ("training", 0.015),
    ("court", 0.01),
    ("other_duty", 0.015),
    ("sick", 0.02),
)


def _attendance(b: _Builder, collar: str, day: date, plan: _Plan) -> str | None:
    """The day's briefing answer, or None for no answer (~7%, never running up to today)."""
    if collar == SILENT and day in plan.silent:
        return None
    if day >= b.back(5) or (collar, day) in plan.fixed:
        return "in_person" if b.rng.random() < 0.85 else "remote"
    if b.rng.random() < 0.07:
        return None
    roll, total = b.rng.random(), 0.0
    for answer, share in ATTENDANCE:
        total += share
        if roll < total:
            return answer
    return "in_person"


def _bwv(b: _Builder, collar: str, day: date, plan: _Plan) -> tuple[str | None, str | None] | None:
    """(category, vulnerable contact) for an officer on duty, or None for no answer."""
    special = {
        (NO_VPC, plan.no_vpc): ("no_footage", "yes"),
        (DISCUSSED, plan.discussed): ("no_footage", "yes"),
        (REPEATED, plan.repeated[0]): ("categorised", "yes"),
        (REPEATED, plan.repeated[1]): ("categorised", None),  # the PCSO return says it
        (REPEATED, plan.repeated[2]): ("categorised", "yes"),
    }
    special |= {(REPEATED, d): ("categorised", "yes") for d in plan.covered}
    special |= {(NEED_HELP, d): ("need_help", "no") for d in plan.need_help}
    if (collar, day) in special:
        return special[(collar, day)]
    if collar == SILENT and day in plan.silent:
        return None
    if b.rng.random() < 0.09:
        return None
    old = day < b.window_start
    roll = b.rng.random()
    status: str | None = "categorised" if roll < 0.85 else "no_footage"
    if old and roll > 0.98:
        status = "need_help"
    elif roll > 0.975:
        status = None  # only the second question answered
    said = b.rng.random()
    vulnerable = "no" if said < 0.86 else (None if said < 0.93 else "yes")
    if vulnerable == "yes" and not old and status != "categorised":
        vulnerable = "no"
    if status is None and vulnerable is None:
        vulnerable = "no"
    return status, vulnerable


async def _day(b: _Builder, day: date, plan: _Plan) -> None:
    """One briefing day of every team: answers, BWV, tasking, returns."""
    for team_name in TEAM_NAMES:
        on_duty: list[str] = []
        visited: list[str] = []  # vulnerable contacts to cover with a referenced task
        vulnerable_count = 0
        for collar, team in _members():
            if team != team_name or day in b.away.get(collar, set()):
                continue
            answer = _attendance(b, collar, day, plan)
            if answer is not None:
                _attend(b, collar, day, answer)
            if answer not in (None, "in_person", "remote"):
                continue
            on_duty.append(collar)
            if day >= b.today:
                continue  # today's BWV and returns come this afternoon
            bwv = _bwv(b, collar, day, plan)
            if bwv is not None:
                _answer_bwv(b, collar, day, *bwv)
            vulnerable = bwv is not None and bwv[1] == "yes"
            if collar == REPEATED and day == plan.repeated[1]:
                vulnerable = True
            vulnerable_count += vulnerable
            uncovered = collar == REPEATED and day in plan.repeated
            if vulnerable and not uncovered:
                visited.append(collar)
            if team_name == FAVERSHAM and (b.rng.random() < 0.88 or collar == REPEATED):
                _pcso_return(b, collar, day, int(vulnerable))
        if (on_duty and b.rng.random() < 0.92) or visited:
            tasks = await _tasking(b, team_name, day, on_duty, visited, plan)
            if day < b.today and b.rng.random() < 0.93:
                await _team_return(b, team_name, day, tasks, vulnerable_count)


def _attend(b: _Builder, collar: str, day: date, answer: str) -> None:
    officer = b.officer[collar]
    minute = b.rng.randrange(30, 59) if b.rng.random() < 0.8 else b.rng.randrange(0, 29)
    hour = 7 if minute >= 30 else 8
    b.add(
        AttendanceAnswer(
            officer_id=officer.id,
            team_id=officer.team_id,
            day=day,
            attendance=answer,
            answered_at=b.at(day, hour, minute),
            late=False,
            source="card",
        )
    )


def _answer_bwv(
    b: _Builder, collar: str, day: date, status: str | None, vulnerable: str | None
) -> None:
    officer = b.officer[collar]
    b.add(
        BwvAnswer(
            officer_id=officer.id,
            team_id=officer.team_id,
            day=day,
            bwv_status=status,
            vulnerable_contact=vulnerable,
            answered_at=b.at(day, 15, b.rng.randrange(31, 59)),
        )
    )


def _pcso_return(b: _Builder, collar: str, day: date, vulnerable: int) -> None:
    officer = b.officer[collar]
    b.add(
        PcsoReturn(
            officer_id=officer.id,
            team_id=officer.team_id,
            day=day,
            cads_attended=b.rng.randrange(0, 4),
            themis_updated=b.rng.randrange(0, 3),
            intel_submitted=b.rng.randrange(0, 2),
            engagements=b.rng.randrange(2, 14),
            vulnerable_engagements=vulnerable,
            notes=None,
            submitted_at=b.at(day, 16, b.rng.randrange(5, 50)),
        )
    )


async def _tasking(
    b: _Builder, team_name: str, day: date, on_duty: list[str], visited: list[str], plan: _Plan
) -> list[Task]:
    """Two or three tasks, most with a reference; a referenced follow-up visit for each
    vulnerable contact of the day (REPEATED's three signal days are left uncovered)."""
    team, leader = b.teams[team_name], b.officer[_leader(team_name)]
    tasking = Tasking(team_id=team.id, day=day, posted_by_id=leader.id, posted_at=b.at(day, 9))
    b.add(tasking)
    await b.session.flush()
    rows: list[tuple[str, str | None, list[str]]] = []
    for description, reference in b.rng.sample(TASKS, b.rng.choice((2, 2, 3))):
        pool = [c for c in on_duty if not (c == REPEATED and day in plan.repeated and reference)]
        who = b.rng.sample(pool, min(len(pool), b.rng.choice((1, 2))))
        ref = reference.format(n=b.rng.randrange(1000, 9999)) if reference else None
        rows.append((description.format(place=b.rng.choice(PLACES)), ref, who))
    if visited:
        rows.append((VISIT, f"CAD {b.rng.randrange(1000, 9999)}", visited))
    tasks = [
        Task(
            tasking_id=tasking.id,
            team_id=team.id,
            day=day,
            position=position,
            description=description,
            reference=ref,
        )
        for position, (description, ref, _) in enumerate(rows, start=1)
    ]
    b.session.add_all(tasks)
    await b.session.flush()
    for task, (_, _, who) in zip(tasks, rows, strict=True):
        b.session.add_all(TaskAssignee(task_id=task.id, officer_id=b.officer[c].id) for c in who)
    return tasks


def _leader(team_name: str) -> str:
    return next(c for c, _, r, t in ROSTER if t == team_name and r == "team_leader")


async def _team_return(
    b: _Builder, team_name: str, day: date, tasks: list[Task], vulnerable: int
) -> None:
    """The team leader's returns at 16:00: an outcome for each task, and the day's counts."""
    sent = TeamReturn(
        team_id=b.teams[team_name].id,
        day=day,
        submitted_by_id=b.officer[_leader(team_name)].id,
        submitted_at=b.at(day, 16, b.rng.randrange(0, 40)),
        cads_attended=b.rng.randrange(1, 9),
        themis_updated=b.rng.randrange(0, 5),
        intel_submitted=b.rng.randrange(0, 4),
        engagements=b.rng.randrange(8, 40),
        vulnerable_engagements=vulnerable,
        notes=None,
    )
    b.add(sent)
    await b.session.flush()
    for task in tasks:
        roll = b.rng.random()
        outcome = "done" if roll < 0.8 else ("part_done" if roll < 0.93 else "not_done")
        b.add(TaskOutcome(return_id=sent.id, task_id=task.id, outcome=outcome, note=None))


def _one_to_ones(b: _Builder) -> None:
    for collar, team_name in _members():
        sergeant = next(s for s, ts in SUPERVISES.items() if team_name in ts)
        held = b.first + timedelta(days=b.rng.randrange(0, 10))
        last = b.today - timedelta(days=50) if collar == OVERDUE else b.today
        while held <= last:
            while held.weekday() >= 5:
                held += timedelta(days=1)
            if held > b.today:
                break
            b.add(
                OneToOne(
                    officer_id=b.officer[collar].id,
                    team_id=b.teams[team_name].id,
                    supervisor_id=b.officer[sergeant].id,
                    held_on=held,
                    osara_progress="Problem-solving plan on track; next review agreed",
                    engagement_notes="Attended the ward PACT meeting; two street surgeries",
                    pnb_checked=b.rng.random() < 0.9,
                    recorded_at=b.at(held, 14),
                )
            )
            held += timedelta(days=b.rng.randrange(26, 33))


def _reviews_read(b: _Builder, days: list[date]) -> None:
    for day in days:
        for sergeant, teams in SUPERVISES.items():
            for team_name in teams:
                if day < b.today and b.rng.random() < 0.9:
                    b.add(
                        ReviewRead(
                            team_id=b.teams[team_name].id,
                            day=day,
                            officer_id=b.officer[sergeant].id,
                            read_at=b.at(day, 8, b.rng.randrange(31, 59)),
                        )
                    )


def _discussed(b: _Builder) -> tuple[Expected, str]:
    """DISCUSSED's vulnerable contact without VPC footage, marked discussed the next day."""
    day = b.back(14)
    key = signal_key(VULNERABLE_NO_VPC, DISCUSSED, day)
    b.add(
        SignalDiscussion(
            key=key,
            kind=VULNERABLE_NO_VPC,
            team_id=b.teams[PSTF].id,
            officer_id=b.officer[DISCUSSED].id,
            first_day=day,
            through_day=day,
            evidence=[{"day": day.isoformat(), "text": "vulnerable contact: yes; BWV: no footage"}],
            note="Spoke with Nathan: camera was not switched on at the door; reminded of the "
            "VPC category and the AWARE prompt. No further action.",
            discussed_by_id=b.officer["S402"].id,
            discussed_at=b.at(day + timedelta(days=1), 10, 15),
        )
    )
    return Expected(VULNERABLE_NO_VPC, DISCUSSED, (day,)), key


# --- a store of its own ----------------------------------------------------------------------


@dataclass(frozen=True)
class Strangers:
    """What a store holds beside the demo: teams and officers that are not the demo's."""

    teams: int
    officers: int
    examples: tuple[str, ...]  # a few of their names and collar numbers

    def __bool__(self) -> bool:
        return bool(self.teams or self.officers)


async def strangers(session: AsyncSession) -> Strangers:
    """The teams and officers in the store that are not the demo's: a team by its name and
    district, an officer by collar number, name and Entra ID (the demo's are of a made-up
    pattern). Nothing when the store is empty or holds only the demo."""
    teams = Team.name.not_in(TEAM_NAMES) | (Team.district != DISTRICT)
    demo = {collar: (name, _aad_object_id(n)) for n, (collar, name, _, _) in enumerate(ROSTER)}
    others = Officer.collar_number.not_in(demo)
    team_count = await session.scalar(select(func.count()).select_from(Team).where(teams)) or 0
    officer_count = (
        await session.scalar(select(func.count()).select_from(Officer).where(others)) or 0
    )
    examples = [
        *(await session.scalars(select(Team.name).where(teams).order_by(Team.name).limit(2))),
        *(
            await session.scalars(
                select(Officer.collar_number).where(others).order_by(Officer.id).limit(2)
            )
        ),
    ]
    lookalikes = await session.execute(
        select(Officer.collar_number, Officer.name, Officer.aad_object_id).where(~others)
    )
    for collar, name, aad in lookalikes:
        if demo[collar] != (name, aad):
            officer_count += 1
            examples.append(collar)
    return Strangers(team_count, officer_count, tuple(examples))


async def remove_demo(session: AsyncSession) -> bool:
    """Delete the demo's officers and teams, and with them (the foreign keys cascade) all
    their history; whether there was any. Only for a store `strangers` found nothing in."""
    officers = await session.execute(
        delete(Officer).where(Officer.collar_number.in_([c for c, _, _, _ in ROSTER]))
    )
    teams = await session.execute(delete(Team).where(Team.name.in_(TEAM_NAMES)))
    return bool(getattr(officers, "rowcount", 0) or getattr(teams, "rowcount", 0))
