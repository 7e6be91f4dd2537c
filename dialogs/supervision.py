"""What the supervision workflows share: which team a supervisor means, and which day.

Team leaders act for their own team; sergeants for the teams they supervise; inspectors
for their district's teams; admins for any team. A team named that the officer may not
see is refused without saying anything about it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date, timedelta

from dialogs.calendar import sane
from dialogs.core import Turn, UserError
from storage import officers
from storage.models import Role, Team

POSTERS = (Role.TEAM_LEADER.value, Role.SERGEANT.value)
REVIEWERS = (Role.SERGEANT.value, Role.INSPECTOR.value, Role.ADMIN.value)
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


async def visible_teams(turn: Turn) -> Sequence[Team]:
    """The teams this officer may see or act on: `officers.visible_teams`."""
    return await officers.visible_teams(turn.session, turn.officer)


async def choose_team(turn: Turn, name: str, *, command: str) -> Team:
    """The team named (exactly, or by a unique part of its name), or the only one."""
    teams = await visible_teams(turn)
    if not teams:
        raise UserError("You have no team on the roster to do that for. Ask your administrator.")
    wanted = name.strip().lower()
    if not wanted:
        if len(teams) == 1:
            return teams[0]
        raise UserError(f"Which team? Type {command} followed by one of: {_names(teams)}.")
    exact = [t for t in teams if t.name.lower() == wanted]
    partial = [t for t in teams if wanted in t.name.lower()]
    found = exact or partial
    if len(found) == 1:
        return found[0]
    if found:
        raise UserError(f"'{name}' matches several teams: {_names(found)}. Give the full name.")
    raise UserError(f"'{name[:80]}' is not one of your teams. Yours: {_names(teams)}.")


def _names(teams: Iterable[Team]) -> str:
    return ", ".join(t.name for t in teams)


def split_date(text: str, today: date) -> tuple[str, date]:
    """`[TEAM] [DATE]` → the team words and the date (today when none is given)."""
    words = text.split()
    if words and words[-1].lower() in ("today", "yesterday"):
        day = today if words[-1].lower() == "today" else today - timedelta(days=1)
        return " ".join(words[:-1]), day
    if words and ISO_DATE.match(words[-1]):
        return " ".join(words[:-1]), parse_date(words[-1], "date")
    return text.strip(), today


def parse_date(raw: object, what: str) -> date:
    try:
        day = date.fromisoformat(str(raw).strip())
    except ValueError as error:
        raise UserError(
            f"'{str(raw)[:20]}' is not a date: give the {what} as YYYY-MM-DD."
        ) from error
    return sane(day, what)
