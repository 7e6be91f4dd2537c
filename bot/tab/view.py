"""What every page of the tab works from: the request (viewer, parameters, today), the
checks on its parameters and on what the viewer may see, and the links between pages."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from dialogs.router import Views
from storage import officers
from storage.models import MEMBER_ROLES, Officer, Team

Shown = dict[str, str]
TEAM_ID = re.compile(r"^\d{1,9}$")
COLLAR = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,19}$")


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


def team_names(teams: Sequence[Team]) -> str:
    return ", ".join(t.name for t in teams)
