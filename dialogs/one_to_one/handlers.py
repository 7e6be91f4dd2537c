"""`one-to-one COLLAR` records one: the date held, OSARA plan progress, community engagement
notes and whether the pocket notebook was checked (a card, or typed in one line).

A record the same as one this supervisor already recorded for the officer and day (the same
notes and notebook check) is not stored twice: it is answered as already recorded. A
different record for the same day is kept as another one-to-one, as before."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from dialogs.answers import already_recorded, record_once
from dialogs.core import Action, Card, Field, Reply, Section, Turn, UserError
from dialogs.counts import parse_notes
from dialogs.one_to_one.models import ONE_TO_ONE_NOTES_MAX, OneToOne
from dialogs.one_to_one.prep import prep_lines, previous_month
from dialogs.one_to_one.queries import OVERDUE_AFTER_DAYS
from dialogs.router import Views
from dialogs.supervision import parse_date
from dialogs.wording import short_day
from storage import officers
from storage.models import MEMBER_ROLES, Officer, Team

VERB = "one_to_one.record"
TYPED = "one-to-one COLLAR | OSARA progress | engagement notes | pnb yes/no"
YES = ("true", "yes", "y", "done", "checked", "1")
NO = ("false", "no", "n", "not done", "not checked", "0", "")
SAME_RECORD = (
    "officer_id",
    "supervisor_id",
    "held_on",
    "osara_progress",
    "engagement_notes",
    "pnb_checked",
)
"""A one-to-one with these the same as one stored is that one, sent again."""


class Handlers:
    """The handlers; the card's preparation line comes from the registered period parts."""

    def __init__(self, views: Views) -> None:
        self._views = views

    async def one_to_one(self, turn: Turn) -> list[Reply]:
        collar, _, rest = turn.text.partition("|")
        if not collar.strip():
            raise UserError("Type one-to-one and the PCSO's collar number, e.g. one-to-one P301.")
        pcso, team = await _pcso(turn, collar.strip())
        if not rest:
            return [Reply(card=await self._card(turn, pcso, team))]
        parts = [p.strip() for p in rest.split("|")]
        if len(parts) != 3:
            raise UserError(f"Type {TYPED}. Nothing saved.")
        data = {
            "held_on": turn.today.isoformat(),
            "osara_progress": parts[0],
            "engagement_notes": parts[1],
            "pnb_checked": parts[2].lower().removeprefix("pnb").strip(),
        }
        return await _record(turn, pcso, data, replace=False)

    async def open(self, turn: Turn) -> list[Reply]:
        """`one_to_one.open`, the reminder's "Record" button: the record form for the
        collar, as `one-to-one COLLAR` shows it. It records nothing."""
        pcso, team = await _pcso(turn, str((turn.data or {}).get("collar") or ""))
        return [Reply(card=await self._card(turn, pcso, team))]

    async def record(self, turn: Turn) -> list[Reply]:
        data = turn.data or {}
        pcso, _team = await _pcso(turn, str(data.get("collar") or ""))
        return await _record(turn, pcso, data, replace=True)

    async def _card(self, turn: Turn, pcso: Officer, team: Team) -> Card:
        first, last = previous_month(turn.today)
        lines = await prep_lines(
            self._views.periods,
            turn.session,
            team,
            [pcso],
            first,
            last,
            today=turn.today,
            zone=turn.zone,
        )
        fields = (
            Field("held_on", "Held on", kind="date", value=turn.today.isoformat(), required=True),
            _notes_field("osara_progress", "OSARA plan progress"),
            _notes_field("engagement_notes", "Community engagement"),
            Field("pnb_checked", "Pocket notebook checked", kind="toggle", value="false"),
        )
        return Card(
            title=f"One-to-one: {pcso.name} ({pcso.collar_number})",
            sections=(Section(heading=f"Last month ({first:%B %Y})", lines=(lines[0],)),),
            fields=fields,
            actions=(Action("Record one-to-one", {"verb": VERB, "collar": pcso.collar_number}),),
        )


async def _pcso(turn: Turn, collar: str) -> tuple[Officer, Team]:
    """A PCSO or team leader in a team this supervisor may see; nothing said otherwise."""
    found = await officers.by_collar(turn.session, collar) if collar else None
    team = await officers.team(turn.session, found.team_id) if found else None
    if (
        found is None
        or team is None
        or not found.active
        or found.role not in MEMBER_ROLES
        or not await officers.can_see_team(turn.session, turn.officer, team)
    ):
        raise UserError(f"'{collar[:20]}' is not a PCSO in a team you supervise.")
    return found, team


async def _record(
    turn: Turn, pcso: Officer, data: Mapping[str, Any], *, replace: bool
) -> list[Reply]:
    held_on = parse_date(data.get("held_on") or turn.today.isoformat(), "date it was held")
    if held_on > turn.today:
        raise UserError("A one-to-one can only be recorded once it has been held. Nothing saved.")
    osara = _notes(data, "osara_progress", "OSARA progress")
    engagement = _notes(data, "engagement_notes", "Engagement notes")
    checked = _yes_no(data.get("pnb_checked"))
    recorded = await record_once(
        turn.session,
        OneToOne(
            officer_id=pcso.id,
            team_id=pcso.team_id,
            supervisor_id=turn.officer.id,
            held_on=held_on,
            osara_progress=osara,
            engagement_notes=engagement,
            pnb_checked=checked,
            recorded_at=turn.now,
        ),
        SAME_RECORD,
        owner=pcso.id,
    )
    due = held_on + timedelta(days=OVERDUE_AFTER_DAYS)
    lines: tuple[str, ...] = (
        f"Held {short_day(held_on)}. Pocket notebook check: {'done' if checked else 'not done'}.",
        f"The next one is due by {short_day(due)}.",
    )
    if not recorded.new:
        lines = (already_recorded(recorded.row.recorded_at, turn.now, turn.zone), *lines)
    title = f"One-to-one recorded: {pcso.name} ({pcso.collar_number})"
    return [Reply(card=Card(title=title, sections=(Section(lines=lines),)), replace=replace)]


def _notes(data: Mapping[str, Any], key: str, label: str) -> str | None:
    return parse_notes(data, key, ONE_TO_ONE_NOTES_MAX, label)


def _yes_no(raw: object) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw or "").strip().lower()
    if text in YES:
        return True
    if text in NO:
        return False
    raise UserError("Was the pocket notebook checked? Answer yes or no. Nothing saved.")


def _notes_field(key: str, label: str) -> Field:
    return Field(
        key,
        f"{label} (up to {ONE_TO_ONE_NOTES_MAX} characters; no names of members of the public)",
        multiline=True,
        max_length=ONE_TO_ONE_NOTES_MAX,
    )
