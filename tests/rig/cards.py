"""The card gallery: every card the bot can send, captured from the real endpoint and jobs.

`Gallery` talks to the bot as the other end-to-end tests do (`TeamsUser.say`, `submit`,
`execute`, and jobs run "as if at" an instant with `tests.rig.officer_day.run`) and keeps
what came back under stable names (file names of the screenshots): the Adaptive Cards the
fake Bot Connector received (attachments of type application/vnd.microsoft.card.adaptive,
sent or updated in place) and those answering invokes (the HTTP body's `value` when its
`type` is the Adaptive Card type), and every text reply. It also notes, for the coverage
check, which command, verb and job each reply came from.

`officer_day_in_maidstone` is the scenario: the Maidstone district's three teams, one of ten
(absences, a silent officer, an unreachable one, a plea for BWV help, overdue one-to-ones),
through a Monday and a Tuesday: briefing prompts and nudges and every kind of answer,
tasking and tasks, BWV reminders and answers, returns and PCSO returns, the morning reviews
(a sergeant over two teams), one-to-ones, the weekly roll-up, help and whoami per role,
guidance, my week, away, and the error replies.

The Slack check needs the channel-neutral `Card` behind each Adaptive Card: `neutral_cards`
records it as the Teams renderer makes each one (keyed by the Adaptive Card's JSON).
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.settings import Settings
from dialogs import build_router, team_settings
from dialogs.core import Card
from dialogs.router import Router
from storage import roster
from tests.rig import officer_day
from tests.rig.connector import FakeConnector, Sent
from tests.rig.officer_day import Clock
from tests.rig.supervision import joined_long_ago, store
from tests.rig.teams import Result, TeamsUser

ADAPTIVE = "application/vnd.microsoft.card.adaptive"
CSU, PSTF, TOWN = "Maidstone CSU North", "Maidstone PSTF", "Maidstone Town Centre"

# The district: CSU North is the team of ten (a team leader and nine PCSOs); Chris Walker
# supervises it and the PSTF, Pat Lewis the PSTF and the Town Centre team.
ROSTER = Path(__file__).with_name("maidstone-roster.csv")

TEAM_SETTINGS = Path(__file__).with_name("maidstone-teams.csv")

# The week before: Monday 23 to Friday 27 November 2026 (UTC is London time in winter).
LAST_WEEK = [date(2026, 11, 23) + timedelta(days=n) for n in range(5)]
MONDAY, TUESDAY = date(2026, 11, 30), date(2026, 12, 1)
TEAMS = {
    CSU: ["TL201", *(f"P30{n}" for n in range(1, 10))],
    PSTF: ["TL202", "P311", "P312", "P313"],
    TOWN: ["TL203", "P321", "P322"],
}
SERGEANT_OF = {CSU: "S101", PSTF: "S102", TOWN: "S102"}


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def canonical(card: Any) -> str:
    return json.dumps(card, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40] or "reply"


@dataclass
class Captured:
    """One Adaptive Card as Teams received it."""

    name: str
    card: dict[str, Any]
    how: str  # "sent" (a new message), "updated" (in place) or "invoke" (an invoke's answer)
    text: str | None  # the message's own text, shown above the card
    origin: str  # the command, verb or job it answered
    render: bool = True  # False: an alias's card, checked but not drawn
    neutral: Card | None = None  # the channel-neutral card behind it (for Slack)


@dataclass
class Said:
    """One text reply (no card)."""

    name: str
    text: str
    origin: str


@dataclass
class Gallery:
    """Every card and text reply the scenario drew from the bot, and where each came from."""

    connector: FakeConnector
    sessions: async_sessionmaker[AsyncSession]
    settings: Settings
    clock: Clock
    router: Router = field(default_factory=build_router)
    neutral: dict[str, Card] = field(default_factory=dict)  # canonical JSON -> Card
    cards: dict[str, Captured] = field(default_factory=dict)
    texts: list[Said] = field(default_factory=list)
    replied: Counter[str] = field(default_factory=Counter)  # "command:x", "verb:y", "job:z"
    jobs_run: Counter[str] = field(default_factory=Counter)

    # --- capturing ------------------------------------------------------------------------

    def _name(self, name: str) -> str:
        if name not in self.cards:
            return name
        n = 2
        while f"{name}-{n}" in self.cards:
            n += 1
        return f"{name}-{n}"

    def keep(
        self,
        name: str,
        card: dict[str, Any],
        how: str,
        text: str | None,
        origin: str,
        *,
        render: bool = True,
    ) -> Captured:
        captured = Captured(
            self._name(name),
            card,
            how,
            text,
            origin,
            render=render,
            neutral=self.neutral.get(canonical(card)),
        )
        self.cards[captured.name] = captured
        return captured

    def take(self, name: str, result: Result, origin: str, *, render: bool = True) -> Result:
        """Keep every card and text of a turn's result (replies sent, updated, the invoke's
        answer) under `name` (`name-2`, … for a second card)."""
        got = 0
        for sent in result.replies:
            got += self._take_sent(name, sent, origin, render=render)
        body = result.body
        if isinstance(body, dict) and body.get("type") == ADAPTIVE and body.get("value"):
            self.keep(name, body["value"], "invoke", None, origin, render=render)
            got += 1
        elif isinstance(body, dict) and isinstance(body.get("value"), str):
            self.texts.append(Said(name, body["value"], origin))
            got += 1
        if got:
            self.replied[origin] += 1
        return result

    def _take_sent(self, name: str, sent: Sent, origin: str, *, render: bool = True) -> int:
        card = sent.card
        how = "updated" if sent.method == "PUT" else "sent"
        if card is not None:
            self.keep(name, card, how, sent.text or None, origin, render=render)
            return 1
        if sent.text:
            self.texts.append(Said(name, sent.text, origin))
            return 1
        return 0

    def take_sent(self, name: str, sent: list[Sent], origin: str) -> list[Sent]:
        for each in sent:
            self._take_sent(name, each, origin)
        return sent

    # --- talking to the bot ------------------------------------------------------------------

    def command_of(self, text: str) -> str:
        found = self.router.match(text)
        return f"command:{found[0].name}" if found else "command:(not understood)"

    async def say(
        self, user: TeamsUser, text: str, name: str | None = None, *, render: bool = True
    ) -> Result:
        result = await user.say(text)
        return self.take(name or f"said-{slug(text)}", result, self.command_of(text), render=render)

    async def submit(
        self, user: TeamsUser, data: dict[str, Any], name: str, *, reply_to: str | None = None
    ) -> Result:
        """Action.Submit: a message whose `value` is the button's data and the inputs."""
        result = await user.submit(data, reply_to=reply_to)
        return self.take(name, result, f"verb:{data.get('verb')}")

    async def execute(self, user: TeamsUser, data: dict[str, Any], name: str) -> Result:
        """Action.Execute: an `adaptiveCard/action` invoke, answered with the card."""
        verb = str(data.get("verb"))
        result = await user.execute(verb, data)
        return self.take(name, result, f"verb:{verb}")

    async def job(self, job: str, when: datetime) -> list[Sent]:
        """Run a job for every team as if at `when`; the messages it sent."""
        await officer_day.settle(self.sessions)
        before = len(self.connector.sent)
        await officer_day.run(self.sessions, self.settings, job, when)
        sent = [s for s in self.connector.sent[before:] if s.activity.get("type") == "message"]
        self.jobs_run[job] += 1
        if sent:
            self.replied[f"job:{job}"] += 1
        return sent

    async def deliver(self) -> list[Sent]:
        """Send what turns queued in the outbox (e.g. tasks to PCSOs); what was sent."""
        before = len(self.connector.sent)
        await officer_day.deliver(self.sessions, self.settings, self.clock)
        return [s for s in self.connector.sent[before:] if s.activity.get("type") == "message"]

    def rendered(self) -> list[Captured]:
        return [c for c in self.cards.values() if c.render]

    def everything(self) -> list[Captured]:
        """The named cards, and every other card the fake Bot Connector received (each
        officer's prompt, every update, ...), once each: nothing the bot sent goes unchecked."""
        seen = {canonical(c.card) for c in self.cards.values()}
        found = list(self.cards.values())
        for n, sent in enumerate(self.connector.sent):
            card = sent.card
            if card is None or canonical(card) in seen:
                continue
            seen.add(canonical(card))
            how = "updated" if sent.method == "PUT" else "sent"
            name = f"other-{n}-{slug(_title(card))}"
            found.append(
                Captured(
                    name,
                    card,
                    how,
                    sent.text or None,
                    f"a message to {sent.conversation_id}",
                    render=False,
                    neutral=self.neutral.get(canonical(card)),
                )
            )
        return found


def to(user: TeamsUser, sent: list[Sent]) -> list[Sent]:
    return [s for s in sent if s.conversation_id == user.conversation_id]


def card_of(user: TeamsUser, sent: list[Sent], titled: str = "") -> Sent:
    """The first message with a card sent to `user` (whose title has `titled` in it)."""
    found = [s for s in to(user, sent) if s.card is not None and titled in _title(s.card)]
    if not found:
        titles = [_title(s.card) for s in to(user, sent) if s.card]
        raise AssertionError(f"no card {titled!r} sent to {user.name}; it got {titles}")
    return found[0]


def _title(card: dict[str, Any] | None) -> str:
    for item in (card or {}).get("body", []):
        if item.get("type") == "TextBlock":
            return str(item.get("text", "")).replace("\\", "")
    return ""


def action_data(card: dict[str, Any], verb: str, **match: Any) -> dict[str, Any]:
    """The data of the card's button for `verb` whose data has `match` (an Action.Execute or
    Action.Submit, in the action bar, an ActionSet or a ShowCard's form)."""
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for each in node:
                walk(each)
            return
        if not isinstance(node, dict):
            return
        if node.get("type") in ("Action.Execute", "Action.Submit"):
            raw = node.get("data")
            data: dict[str, Any] = raw if isinstance(raw, dict) else {}
            named = str(node.get("verb") or data.get("verb") or "")
            if named == verb and all(data.get(k) == v for k, v in match.items()):
                found.append({**data, "verb": named})
        for value in node.values():
            walk(value)

    walk(card)
    if not found:
        raise AssertionError(f"no button for {verb} {match} on the card {_title(card)!r}")
    return dict(found[0])


def absence(card: dict[str, Any], reason: str, **inputs: str) -> dict[str, Any]:
    """The briefing card's "Not attending" with `reason` chosen: a button whose data says
    not_attending and a `reason` input, or a form whose `attendance` input is the reason."""
    try:
        data = action_data(card, "briefing.attend", attendance="not_attending")
        data["reason"] = reason
    except AssertionError:
        data = action_data(card, "briefing.attend", attendance=None)
        data["attendance"] = reason
    return data | inputs


def actions_with_verb(card: dict[str, Any], verb: str) -> list[dict[str, Any]]:
    """The data of every button of the card with the verb (also in forms buttons open)."""
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            data = node.get("data")
            named = node.get("verb") or (data or {}).get("verb")
            if node.get("type") == "Action.Execute" and isinstance(data, dict) and named == verb:
                found.append({**data, "verb": verb})
            for key, value in node.items():
                if key not in ("fallback", "refresh"):
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(card)
    return found


def _has_verb(card: dict[str, Any] | None, verb: str) -> bool:
    try:
        action_data(card or {}, verb)
    except AssertionError:
        return False
    return True


@dataclass
class People:
    users: dict[str, TeamsUser]

    def __getitem__(self, collar: str) -> TeamsUser:
        return self.users[collar]


def neutral_cards(monkeypatch: pytest.MonkeyPatch) -> dict[str, Card]:
    """Record the neutral `Card` behind each Adaptive Card the Teams renderer makes, keyed
    by the Adaptive Card's canonical JSON: the Teams renderer's `to_adaptive` is wrapped
    wherever a module of the service holds it."""
    from bot.channels.teams import renderer

    original = renderer.to_adaptive
    seen: dict[str, Card] = {}

    def recording(card: Card, *args: Any, **kwargs: Any) -> dict[str, Any]:
        adaptive = original(card, *args, **kwargs)
        seen[canonical(adaptive)] = card
        return adaptive

    for module in list(sys.modules.values()):
        name = getattr(module, "__name__", "")
        if name.startswith("bot.") and getattr(module, "to_adaptive", None) is original:
            monkeypatch.setattr(module, "to_adaptive", recording)
    return seen


# --- the scenario --------------------------------------------------------------------------


async def setup_district(
    sessions: async_sessionmaker[AsyncSession],
    make_user: Callable[..., TeamsUser],
    connector: FakeConnector,
) -> People:
    """The roster and team settings imported as an admin would; everyone has installed the
    bot (the welcome is text); the week before recorded in the store."""
    rows = roster.parse(ROSTER.read_text(encoding="utf-8"))
    async with sessions() as session, session.begin():
        await roster.apply(session, rows)
    async with sessions() as session, session.begin():
        await team_settings.apply(
            session, team_settings.parse(TEAM_SETTINGS.read_text(encoding="utf-8"))
        )
    users = {row.collar_number: make_user(row) for row in rows}
    for user in users.values():
        await user.install()
    await joined_long_ago(sessions)
    await last_week(sessions)
    return People(users)


async def last_week(sessions: async_sessionmaker[AsyncSession]) -> None:
    """Monday 23 to Friday 27 November, as the workflows would have recorded it: what the
    weekly roll-up sums, what makes P309 silent three working days running (Thursday,
    Friday and then Monday) and which one-to-ones are overdue by Tuesday 1 December."""
    absent = {
        ("P305", LAST_WEEK[0]): "sick",
        ("P305", LAST_WEEK[1]): "sick",
        ("P304", LAST_WEEK[2]): "annual_leave",
        ("P313", LAST_WEEK[4]): "remote",
        ("P307", LAST_WEEK[3]): "training",
    }
    silent = {("P309", LAST_WEEK[3]), ("P309", LAST_WEEK[4]), ("P322", LAST_WEEK[1])}
    bwv = {("TL201", LAST_WEEK[0]): "no_footage", ("P302", LAST_WEEK[2]): "need_help"}
    leader = {CSU: "TL201", PSTF: "TL202", TOWN: "TL203"}
    returned = {CSU: LAST_WEEK[:4], PSTF: LAST_WEEK, TOWN: LAST_WEEK[:1]}
    read = {CSU: LAST_WEEK[:4], PSTF: LAST_WEEK[1:3], TOWN: []}
    async with store(sessions) as s:
        for team, members in TEAMS.items():
            for day in LAST_WEEK:
                for collar in members:
                    if (collar, day) in silent:
                        continue
                    answer = absent.get((collar, day), "in_person")
                    s.attend(collar, day, answer)
                    if answer in ("in_person", "remote"):
                        s.bwv(collar, day, bwv.get((collar, day), "categorised"))
                    if team == PSTF and collar.startswith("P") and answer == "in_person":
                        s.pcso_return(
                            collar,
                            day,
                            cads_attended=day.day % 4,
                            engagements=6 + day.day % 5,
                            vulnerable_engagements=day.day % 2,
                        )
            for day in returned[team]:
                s.team_return(team, day, by=leader[team])
            for day in read[team]:
                s.read(team, day, SERGEANT_OF[team])
        held = {
            "P301": date(2026, 11, 16),
            "P302": date(2026, 10, 20),  # 42 days before Tuesday 1 December: overdue
            "P305": date(2026, 11, 3),
            "P306": date(2026, 10, 29),
            "P307": date(2026, 11, 12),
            "P308": date(2026, 11, 5),
            "P309": date(2026, 9, 30),  # overdue
            "TL201": date(2026, 11, 18),
            "P311": date(2026, 11, 19),
            "P313": date(2026, 10, 1),  # overdue
            "TL202": date(2026, 11, 9),
            "P321": date(2026, 11, 2),
            "TL203": date(2026, 11, 24),
        }  # P303, P304, P312 and P322: none recorded (overdue)
        for collar, day in held.items():
            team = next(t for t, members in TEAMS.items() if collar in members)
            s.one_to_one(collar, day, by=SERGEANT_OF[team])


async def officer_day_in_maidstone(g: Gallery, people: People) -> None:
    """Monday 30 November and Tuesday 1 December 2026 in the Maidstone district."""
    await monday_morning(g, people)
    await monday_tasking(g, people)
    await monday_afternoon(g, people)
    prompts = await tuesday_morning(g, people)
    await tuesday_supervision(g, people, prompts)
    await anytime(g, people)
    await errors(g, people)
    await refreshes(g, people)
    await g.job("retention-purge", at(TUESDAY + timedelta(days=1), 2, 30))


async def monday_morning(g: Gallery, p: People) -> None:
    g.clock.now = at(MONDAY, 7, 0)
    await g.say(p["P304"], "away 2026-11-30 to 2026-12-04 annual leave", "away-booked")
    await g.say(p["P304"], "away", "away-list")
    await g.say(p["P307"], "away 2026-11-30 to 2026-12-02 training", "away-booked-training")
    g.clock.now = at(MONDAY, 7, 30)
    await g.say(p["P305"], "sick", "briefing-typed-sick")  # before the prompt
    # P308's conversation is gone and a new one cannot be opened: unreachable.
    g.connector.fail(p["P308"].conversation_id, 403, times=50)
    g.connector.fail_create(403, times=50)

    prompts = await g.job("briefing-prompts", at(MONDAY, 8, 0))
    prompt = card_of(p["P301"], prompts)
    g.take_sent("briefing-prompt", [prompt], "job:briefing-prompts")
    g.take_sent("briefing-prompt-no-link", [card_of(p["P311"], prompts)], "job:briefing-prompts")
    g.take_sent("briefing-prompt-answered", [card_of(p["P305"], prompts)], "job:briefing-prompts")
    card = prompt.card or {}
    attend = {collar: card_of(p[collar], prompts).card or {} for collar in ("P302", "P303", "P313")}

    g.clock.now = at(MONDAY, 8, 2)
    await g.submit(
        p["P301"],
        action_data(card, "briefing.attend", attendance="in_person"),
        "briefing-in-person",
        reply_to=prompt.activity_id,
    )
    g.clock.now = at(MONDAY, 8, 3)
    await g.execute(
        p["P302"],
        action_data(attend["P302"], "briefing.attend", attendance="remote"),
        "briefing-remote",
    )
    g.clock.now = at(MONDAY, 8, 4)
    absent = absence(attend["P303"], "training", note="Safeguarding refresher at Coldharbour HQ")
    await g.execute(p["P303"], absent, "briefing-not-attending")
    await g.execute(p["P303"], absent, "briefing-already-recorded")
    await g.say(p["P306"], "rest day", "briefing-typed-rest-day")
    await g.say(p["TL201"], "in person", "briefing-typed-in-person")
    # The other typed answers, each once (the last is what counts for Monday).
    for collar, said in (
        ("TL202", "in_person"),
        ("P311", "remote"),
        ("P312", "court"),
        ("TL203", "other duty"),
        ("P321", "rest_day"),
        ("P321", "annual leave"),
        ("P321", "annual_leave"),
        ("P321", "training"),
        ("P321", "other_duty"),
        ("P321", "in person"),
    ):
        await g.say(p[collar], said, render=False)
    await g.say(p["P303"], "briefing", "briefing-card-typed")

    nudges = await g.job("briefing-nudges", at(MONDAY, 8, 20))
    nudge = card_of(p["P309"], nudges)
    g.take_sent("briefing-nudge", [nudge], "job:briefing-nudges")
    g.clock.now = at(MONDAY, 8, 25)
    await g.execute(
        p["P313"],
        action_data(attend["P313"], "briefing.attend", attendance="in_person"),
        "briefing-after-nudge",
    )

    rollups = await g.job("inspector-rollup", at(MONDAY, 8, 30))
    g.take_sent("rollup", [card_of(p["I501"], rollups)], "job:inspector-rollup")


TASKS = {
    "description_1": "High-visibility patrol of the town centre and Fremlin Walk",
    "reference_1": "OSARA-22",
    "assignees_1": "P301, P302",
    "description_2": "Visit the shops on Week Street reported for shoplifting and leave "
    "crime-prevention leaflets",
    "reference_2": "CAD 1234",
    "assignees_2": "P303, P307",
    "description_3": "School gates parking at St Michael's Infant School",
    "reference_3": "",
    "assignees_3": "P305",
}


async def monday_tasking(g: Gallery, p: People) -> None:
    g.clock.now = at(MONDAY, 9, 0)
    leader = p["TL201"]
    form = (await g.say(leader, "tasking", "tasking-form")).cards[0]
    post = action_data(form, "tasking.submit")
    await g.execute(leader, post | TASKS | {"assignees_2": "P303, P399"}, "error-tasking-collar")
    await g.execute(leader, post | TASKS, "tasking-recorded")
    sent = await g.deliver()
    g.take_sent("pcso-tasks", [card_of(p["P301"], sent)], "verb:tasking.submit")
    g.take_sent("pcso-tasks-shops", [card_of(p["P303"], sent)], "verb:tasking.submit")
    await g.say(leader, "tasking", "tasking-already-set")
    await g.say(p["S101"], "tasking", "tasking-which-team")
    await g.say(
        p["TL202"], "task Speedwatch on Tonbridge Road | CAD 5678 | P311, P312", "task-typed"
    )
    sent = await g.deliver()
    g.take_sent("pcso-tasks-typed", [card_of(p["P311"], sent)], "command:task")


async def monday_afternoon(g: Gallery, p: People) -> None:
    reminders = await g.job("bwv-reminders", at(MONDAY, 15, 30))
    reminder = card_of(p["P301"], reminders)
    g.take_sent("bwv-reminder", [reminder], "job:bwv-reminders")
    card = reminder.card or {}
    g.clock.now = at(MONDAY, 15, 42)
    await g.submit(
        p["P301"],
        action_data(card, "bwv.confirm", bwv_status="categorised"),
        "bwv-categorised",
        reply_to=reminder.activity_id,
    )
    await g.execute(
        p["P302"], action_data(card, "bwv.confirm", bwv_status="need_help"), "bwv-need-help"
    )
    await g.execute(
        p["TL201"], action_data(card, "bwv.confirm", bwv_status="no_footage"), "bwv-no-footage"
    )
    # the second question: after the category (both recorded), and on its own
    await g.execute(
        p["TL201"],
        action_data(card, "bwv.confirm", vulnerable_contact="no"),
        "bwv-no-footage-vulnerable-no",
    )
    await g.execute(
        p["P303"], action_data(card, "bwv.confirm", vulnerable_contact="no"), "bwv-vulnerable-only"
    )
    await g.execute(
        p["P301"],
        action_data(card, "bwv.confirm", vulnerable_contact="yes"),
        "bwv-categorised-vulnerable-yes",
    )
    told = await g.deliver()
    g.take_sent("bwv-help-to-sergeant", to(p["S101"], told), "verb:bwv.confirm")
    for collar, said in (
        ("P311", "categorised"),
        ("P312", "categorized"),
        ("P321", "no footage"),
        ("TL203", "no_footage"),
        ("P313", "need help"),
        ("P322", "need_help"),
        ("P301", "vulnerable no"),
        ("P311", "no footage, vulnerable yes"),  # for discussion in the PSTF review
        ("P312", "vulnerable yes"),
    ):
        await g.say(p[collar], said, render=False)
    await g.deliver()

    returns = await g.job("tasking-reminders", at(MONDAY, 16, 0))
    g.take_sent("returns-prompt", [card_of(p["TL201"], returns)], "job:tasking-reminders")
    g.take_sent("returns-prompt-no-tasks", [card_of(p["TL203"], returns)], "job:tasking-reminders")
    prompts = await g.job("pcso-returns", at(MONDAY, 16, 0))
    prompt = card_of(p["P311"], prompts)
    g.take_sent("pcso-return-prompt", [prompt], "job:pcso-returns")

    g.clock.now = at(MONDAY, 16, 20)
    counts = {
        "cads_attended": 3,
        "themis_updated": 1,
        "intel_submitted": 0,
        "engagements": 12,
        "vulnerable_engagements": 2,
    }
    submit = action_data(prompt.card or {}, "pcso_return.submit")
    await g.submit(
        p["P311"],
        submit | {k: str(v) for k, v in counts.items()} | {"notes": "CAD 4471 and CAD 4480"},
        "pcso-return-recorded",
        reply_to=prompt.activity_id,
    )
    await g.say(p["P312"], "my return 2 1 0 8 1 School gates patrol", "pcso-return-typed")
    await g.execute(
        p["P313"],
        submit | {k: str(v) for k, v in counts.items()} | {"cads_attended": "three"},
        "error-pcso-return",
    )

    g.clock.now = at(MONDAY, 16, 40)
    returns_card = card_of(p["TL201"], returns).card or {}
    outcomes = {
        "outcome_1": "done",
        "note_1": "Quiet; two words of advice given",
        "outcome_2": "part_done",
        "note_2": "Three of five shops visited",
        "outcome_3": "not_done",
        "note_3": "Called to a concern for welfare",
        "cads_attended": "4",
        "themis_updated": "2",
        "intel_submitted": "1",
        "engagements": "23",
        "vulnerable_engagements": "2",
        "notes": "Busy market day",
    }
    await g.execute(
        p["TL201"], action_data(returns_card, "returns.submit") | outcomes, "returns-recorded"
    )
    await g.say(p["TL202"], "returns done | 3 2 1 5 0 | Quiet afternoon", "returns-typed")
    repeat = await g.job("tasking-reminders-repeat", at(MONDAY, 17, 0))
    g.take_sent("returns-reminder", [card_of(p["TL203"], repeat)], "job:tasking-reminders-repeat")
    g.clock.now = at(MONDAY, 17, 5)
    await g.say(p["TL201"], "returns", "returns-form-sent")


TUESDAY_ANSWERS = {
    "TL201": "in_person",
    "P301": "in_person",
    "P302": "remote",
    "P303": "in_person",
    "P306": "rest_day",
    "P307": "in_person",
    "TL202": "in_person",
    "P311": "in_person",
    "P312": "annual_leave",
    "P313": "remote",
    "TL203": "in_person",
    "P322": "sick",
}  # P305 types "sick"; P308 cannot be reached; P309 stays silent; P321 answers late


async def tuesday_morning(g: Gallery, p: People) -> list[Sent]:
    g.clock.now = at(TUESDAY, 7, 0)
    await g.say(p["P307"], "back", "away-back")
    await g.say(p["P312"], "back", "away-back-not-away")
    prompts = await g.job("briefing-prompts", at(TUESDAY, 8, 0))
    for n, (collar, answer) in enumerate(TUESDAY_ANSWERS.items()):
        g.clock.now = at(TUESDAY, 8, 1 + n)
        card = card_of(p[collar], prompts).card or {}
        if answer in ("in_person", "remote"):
            data = action_data(card, "briefing.attend", attendance=answer)
        else:
            data = absence(card, answer)
        result = await p[collar].execute(str(data["verb"]), data)
        g.take(f"briefing-tuesday-{collar.lower()}", result, "verb:briefing.attend", render=False)
    await g.say(p["P305"], "sick", "briefing-typed-sick-again", render=False)
    return prompts


async def tuesday_supervision(g: Gallery, p: People, prompts: list[Sent]) -> None:
    reviews = await g.job("morning-review", at(TUESDAY, 8, 30))
    review = card_of(p["S101"], reviews, CSU)
    g.take_sent("review-sergeant", [review], "job:morning-review")
    g.take_sent(
        "review-sergeant-pstf",
        [card_of(p["S101"], reviews, PSTF)],
        "job:morning-review",
    )
    g.take_sent(
        "review-town-centre",
        [card_of(p["S102"], reviews, TOWN)],
        "job:morning-review",
    )
    reminders = await g.job("one-to-one-reminders", at(TUESDAY, 8, 30))
    reminder = card_of(p["S101"], reminders, CSU)
    g.take_sent("one-to-one-reminder", [reminder], "job:one-to-one-reminders")
    g.take_sent(
        "one-to-one-reminder-town-centre",
        [card_of(p["S102"], reminders, TOWN)],
        "job:one-to-one-reminders",
    )

    g.clock.now = at(TUESDAY, 8, 50)
    ack = action_data(review.card or {}, "review.ack")
    await g.submit(p["S101"], ack, "review-acknowledged", reply_to=review.activity_id)
    await g.execute(p["S101"], ack, "review-already-acknowledged")
    await g.say(p["S102"], "reviewed Maidstone Town Centre", "review-reviewed-typed")
    await g.say(p["I501"], "review csu north", "review-inspector")
    await g.say(p["A001"], "review Maidstone PSTF 2026-12-01", "review-admin")
    await g.say(p["S101"], "review", "review-which-team")

    g.clock.now = at(TUESDAY, 8, 55)
    marks = actions_with_verb(review.card or {}, "signal.discussed")
    first = marks[0] | {
        "note": "Spoke with Sam: camera not switched on at the door; "
        "reminded of the VPC category and the AWARE prompt."
    }
    await g.execute(p["S101"], first, "signal-discussed")
    second = marks[1]["key"] if len(marks) > 1 else first["key"]
    await g.say(
        p["S101"], f"discussed {second} Welfare call made; no concerns", "signal-discussed-typed"
    )

    g.clock.now = at(TUESDAY, 9, 5)
    late = card_of(p["P321"], prompts).card or {}
    await g.execute(
        p["P321"], action_data(late, "briefing.attend", attendance="in_person"), "briefing-late"
    )

    g.clock.now = at(TUESDAY, 10, 0)
    if _has_verb(reminder.card, "one_to_one.open"):  # the reminder's button for each PCSO
        opened = action_data(reminder.card or {}, "one_to_one.open")
        await g.execute(p["S101"], opened, "one-to-one-form-from-reminder")
    form = (await g.say(p["S101"], "one-to-one P303", "one-to-one-form")).cards[0]
    record = action_data(form, "one_to_one.record") | {
        "held_on": "2026-12-01",
        "osara_progress": "OSARA-22 on track: fewer reports of youths gathering at the bus "
        "station since the diversion activity started",
        "engagement_notes": "PACT meeting held; two residents' surgeries",
        "pnb_checked": "true",
    }
    await g.execute(p["S101"], record, "one-to-one-recorded")
    await g.say(
        p["S101"],
        "one to one P302 | OSARA-31 reviewed | Met the residents' association | pnb yes",
        "one-to-one-typed",
    )


ROLES = {"pcso": "P301", "team-leader": "TL201", "sergeant": "S101", "inspector": "I501"}


async def anytime(g: Gallery, p: People) -> None:
    g.clock.now = at(TUESDAY, 10, 30)
    for role, collar in (*ROLES.items(), ("admin", "A001")):
        await g.say(p[collar], "help", f"help-{role}")
        await g.say(p[collar], "whoami", f"whoami-{role}")
    await g.say(p["P302"], "who am i", render=False)
    await g.say(p["P301"], "vulnerability", "vulnerability")
    await g.say(p["S101"], "vulnerable", render=False)
    await g.say(p["P302"], "aware", render=False)
    await g.say(p["P301"], "bwv", "bwv-guidance")
    await g.say(p["P301"], "my week", "my-week")
    await g.say(p["P305"], "my week", "my-week-sick")
    await g.say(p["P301"], "my return", "pcso-return-not-used")
    await g.say(p["I501"], "rollup", "rollup-inspector")
    await g.say(p["A001"], "rollup Maidstone", "rollup-admin")
    await g.say(p["A001"], "rollup", "rollup-which-district")


async def errors(g: Gallery, p: People) -> None:
    await g.say(p["P301"], "what is this", "error-not-understood")
    await g.say(p["P301"], "review", "error-not-for-your-role")
    await g.say(p["S101"], "briefing", "error-briefing-not-for-sergeants")
    await g.say(p["S102"], "one-to-one P301", "error-not-your-pcso")
    await g.say(p["P301"], "x" * 4100, "error-too-long")
    await g.submit(p["P301"], {"verb": "retired.button"}, "error-old-button")
    await g.execute(
        p["P301"],
        {"verb": "briefing.attend", "day": TUESDAY.isoformat()},
        "error-no-reason",
    )
    await g.execute(
        p["P301"],
        {"verb": "bwv.confirm", "day": TUESDAY.isoformat(), "bwv_status": "maybe"},
        "error-bwv-answer",
    )
    stranger = TeamsUser(
        http=p["P301"].http,
        bot_url=p["P301"].bot_url,
        connector=g.connector,
        user_id="29:stranger",
        aad_object_id="6f1c2a3b-0001-4000-8000-999999999999",
        name="Stranger",
    )
    await g.say(stranger, "hello", "error-not-on-the-roster")


async def refreshes(g: Gallery, p: People) -> None:
    """A card with a `refresh` (Teams fetches it as it now stands when it is shown): each
    kind is fetched once, by the officer it was sent to."""
    by_conversation = {u.conversation_id: u for u in p.users.values()}
    done: set[str] = set()
    for sent in list(g.connector.sent):
        card = sent.card or {}
        action = (card.get("refresh") or {}).get("action") or {}
        verb = str(action.get("verb") or "")
        user = by_conversation.get(sent.conversation_id)
        if not verb or verb in done or user is None:
            continue
        done.add(verb)
        data = {**(action.get("data") or {}), "verb": verb}
        await g.execute(user, data, f"refresh-{slug(verb)}")
