"""Who sees what in the supervision tab, decided on the server before any page is drawn.

The rule is the bot's one rule for team data (`storage.officers.visible_teams`): a sergeant
sees the teams they supervise, an inspector their district's, an admin every team. A PCSO or
a team leader sees only their own week. The pages (`bot/tab/pages.py`) are given the
viewer's teams and refuse anything else themselves; these checks come first, so a page never
runs for a caller who may not see what they asked for.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.tab.auth import Refusal
from storage import officers
from storage.models import MEMBER_ROLES, Officer, Role, Team

SUPERVISORS = frozenset({Role.SERGEANT.value, Role.INSPECTOR.value, Role.ADMIN.value})
OWN_WEEK = "week"
OVERVIEW = "overview"
ROLE_NAMES = {
    Role.PCSO.value: "PCSO",
    Role.TEAM_LEADER.value: "Team leader",
    Role.SERGEANT.value: "Sergeant",
    Role.INSPECTOR.value: "Inspector",
    Role.ADMIN.value: "Admin",
}
# A query string a page can be asked with: a few short, printable parameters.
MAX_PARAMS, MAX_NAME, MAX_VALUE = 8, 20, 100
TEAM_ID_DIGITS = 9


def supervises(officer: Officer) -> bool:
    return officer.role in SUPERVISORS


def home(officer: Officer) -> str:
    """The page the tab opens on."""
    return OVERVIEW if supervises(officer) else OWN_WEEK


async def teams_of(session: AsyncSession, officer: Officer) -> tuple[Team, ...]:
    """The teams whose data the officer may see in the tab: none for a PCSO or a team
    leader, whose tab is their own week."""
    if not supervises(officer):
        return ()
    return tuple(await officers.visible_teams(session, officer))


def me(officer: Officer, teams: Sequence[Team]) -> dict[str, Any]:
    """What the shell shows of the signed-in officer: the header and the navigation."""
    nav = [{"label": "My week", "href": f"#{OWN_WEEK}"}]
    if supervises(officer):  # the overview chooses among the teams; the reviews are a tap away
        nav = [
            {"label": "Overview", "href": f"#{OVERVIEW}"},
            *(
                {"label": f"Review: {team.name}", "href": f"#review?team={team.id}"}
                for team in teams
            ),
        ]
    return {
        "name": officer.name,
        "collar": officer.collar_number,
        "role": officer.role,
        "role_name": ROLE_NAMES.get(officer.role, officer.role),
        "home": home(officer),
        "teams": [{"id": team.id, "name": team.name} for team in teams],
        "nav": nav,
    }


def checked_params(query: Mapping[str, str], keys: Sequence[str]) -> dict[str, str]:
    """A page's parameters (`keys`: every name in the query string, repeats included), or a
    400 naming what is wrong with them."""
    if len(keys) > MAX_PARAMS:
        raise bad_request(f"too many parameters (at most {MAX_PARAMS})")
    if len(set(keys)) != len(keys):
        raise bad_request("a parameter is given twice")
    params: dict[str, str] = {}
    for name in keys:
        value = query[name]
        if not (0 < len(name) <= MAX_NAME and name.isascii() and name.isidentifier()):
            raise bad_request("a parameter's name is not one a page takes")
        if len(value) > MAX_VALUE or not value.isprintable():
            raise bad_request(f"the parameter {name} is too long or holds control characters")
        params[name] = value
    return params


async def check_page(
    session: AsyncSession,
    officer: Officer,
    teams: Sequence[Team],
    name: str,
    params: Mapping[str, str],
    *,
    pages: Sequence[str],
) -> None:
    """Refuse, before the page is drawn, a page that is not there (404), one that is not for
    the viewer's role (403), or a team, officer or district they do not supervise (403; 404
    if there is no such team, officer or district)."""
    if name not in pages:
        raise Refusal(404, "not_found", "There is no such page in the tab.")
    if name != OWN_WEEK and not supervises(officer):
        raise Refusal(
            403,
            "not_yours",
            "That page is for sergeants, inspectors and admins: your tab shows your own week.",
        )
    visible = {team.id for team in teams}
    if "team" in params:
        await _check_team(session, params["team"], visible)
    if "collar" in params:
        await _check_officer(session, params["collar"], visible)
    if "district" in params:
        await _check_district(session, params["district"], teams)


async def _check_team(session: AsyncSession, value: str, visible: set[int]) -> None:
    if not (value.isascii() and value.isdigit() and len(value) <= TEAM_ID_DIGITS):
        raise bad_request("team must be a team's number")
    team = await officers.team(session, int(value))
    if team is None:
        raise Refusal(404, "not_found", "There is no such team.")
    if team.id not in visible:
        raise Refusal(403, "not_yours", "That team is not one of yours.")


async def _check_district(session: AsyncSession, name: str, teams: Sequence[Team]) -> None:
    wanted = name.strip().casefold()
    if not wanted:
        raise bad_request("district must be a district's name")
    if any(team.district.casefold() == wanted for team in teams):
        return
    if not await officers.district_teams(session, name.strip()):
        raise Refusal(404, "not_found", "There is no such district.")
    raise Refusal(403, "not_yours", "That district is not one of yours.")


async def _check_officer(session: AsyncSession, collar: str, visible: set[int]) -> None:
    officer = await officers.by_collar(session, collar)
    if officer is None or not officer.active or officer.role not in MEMBER_ROLES:
        raise Refusal(404, "not_found", "There is no PCSO or team leader with that collar number.")
    if officer.team_id not in visible:
        raise Refusal(403, "not_yours", "That officer is not in one of your teams.")


def bad_request(message: str) -> Refusal:
    return Refusal(400, "bad_request", f"The page's address is wrong: {message}.")
