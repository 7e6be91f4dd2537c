"""What every page of the tab works from: the request (viewer, parameters, today), the
checks on its parameters and on what the viewer may see, and the links between pages."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.tab.kept_pages import KeptTeams
from dialogs.router import Views
from storage import officers
from storage.models import MEMBER_ROLES, Officer, Team

Shown = dict[str, str]
TEAM_ID = re.compile(r"^\d{1,9}$")
COLLAR = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,19}$")
DISTRICT_LENGTH = 80  # as long as the roster's district names may be


class PageError(Exception):
    """A page the viewer cannot have: 400 a bad parameter, 403 not theirs to see, 404
    nothing of that name. `message` is said to the viewer."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Request:
    session: AsyncSession
    officer: Officer
    teams: Sequence[Team]
    params: Mapping[str, str]
    today: date
    now: datetime
    zone: ZoneInfo
    views: Views
    stamps: Mapping[int, int] | None = None
    """The stamps of the teams the page shows, read before anything else it shows, when
    the page is kept (`bot/tab/kept_pages.py`)."""
    kept_teams: KeptTeams[Any] | None = None
    """What pages drew of each team, kept while its stamp stands (with `stamps`)."""

    async def team(self, *, required: bool = False) -> Team | None:
        """The team the `team` parameter names, if the viewer may see it (None when the
        parameter is absent and not `required`)."""
        raw = self.params.get("team")
        if raw is None or raw == "":
            if required:
                raise PageError(400, "Which team? The page needs a team parameter.")
            return None
        if not TEAM_ID.match(raw):
            raise PageError(400, "The team parameter must be a team's number.")
        team_id = int(raw)
        for team in self.teams:
            if team.id == team_id:
                return team
        if await officers.team(self.session, team_id) is None:
            raise PageError(404, "There is no such team.")
        raise PageError(403, "That team is not one of yours.")

    async def district(self) -> str | None:
        """The district the `district` parameter names (as the roster spells it), if the
        viewer sees its teams (None when the parameter is absent)."""
        raw = (self.params.get("district") or "").strip()
        if not raw:
            return None
        if len(raw) > DISTRICT_LENGTH:
            raise PageError(400, "The district parameter must be a district's name.")
        mine = [t.district for t in self.teams if t.district.casefold() == raw.casefold()]
        if mine:
            return mine[0]
        if not await officers.district_teams(self.session, raw):
            raise PageError(404, "There is no such district.")
        raise PageError(403, "That district is not one of yours.")

    async def member(self) -> tuple[Officer, Team]:
        """The PCSO or team leader the `collar` parameter names, in one of the viewer's
        teams."""
        raw = (self.params.get("collar") or "").strip()
        if not COLLAR.match(raw):
            raise PageError(400, "The collar parameter must be a collar number, e.g. P301.")
        officer = await officers.by_collar(self.session, raw)
        if officer is None or not officer.active:
            raise PageError(404, f"No officer with collar number {raw} is on the roster.")
        if officer.role not in MEMBER_ROLES or officer.team_id is None:
            raise PageError(404, f"{officer.collar_number} is not a PCSO or team leader in a team.")
        team = next((t for t in self.teams if t.id == officer.team_id), None)
        if team is None:
            raise PageError(403, f"{officer.collar_number} is not in one of your teams.")
        return officer, team


def review_link(team: Team, day: date) -> str:
    return f"#review?team={team.id}&date={day.isoformat()}"


def officer_link(officer: Officer) -> str:
    return f"#officer?collar={officer.collar_number}"


def district_link(district: str) -> str:
    return f"#overview?district={quote(district)}"


def districts_of(teams: Sequence[Team]) -> list[str]:
    """The teams' districts, each once (case-insensitively, as the roster has them), by
    name."""
    found: dict[str, str] = {}
    for team in teams:
        found.setdefault(team.district.casefold(), team.district)
    return sorted(found.values(), key=str.casefold)


def team_names(teams: Sequence[Team]) -> str:
    return ", ".join(t.name for t in teams)
