"""`pcso-bot demo load` (bot/cli/demo.py) as an operator runs it, in a subprocess, on SQLite
and PostgreSQL: the fictional district with every signal once, loaded again in place, and
never beside a real force's data or into a force's service."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, update

from bot.demo import DISTRICT, ROSTER, TEAM_NAMES
from dialogs.briefing.models import AttendanceAnswer
from dialogs.signals import find_signals
from storage.models import Base, Officer, Team
from tests.conftest import SAMPLE_ROSTER, import_roster
from tests.rig.cli import run_cli
from tests.rig.teams import TENANT

ZONE = ZoneInfo("Europe/London")
TODAY = date(2026, 12, 1)
# Who the demo's signals are about, as bot/demo.py plans them (tests/test_signals.py checks
# the days).
SIGNALS = {
    ("vulnerable_no_vpc", "P402", True),
    ("vulnerable_repeated", "P413", True),
    ("silent", "P424", True),
    ("bwv_help_repeated", "P405", True),
    ("vulnerable_no_vpc", "P422", False),
}


async def rows(sessions: Any) -> dict[str, int]:
    """How many rows each table holds (but the stamps, `trend_stamps` and `page_stamps`: a
    team's stamps outlive it, so the demo's teams made again under new ids add rows; see
    dialogs/kept_weeks.py and storage/stamps.py)."""
    async with sessions() as session:
        return {
            table.name: await session.scalar(select(func.count()).select_from(table)) or 0
            for table in Base.metadata.sorted_tables
            if table.name not in ("trend_stamps", "page_stamps")
        }


async def signals(sessions: Any, today: date = TODAY) -> set[tuple[str, str, bool]]:
    async with sessions() as session:
        teams = (await session.scalars(select(Team))).all()
        found = await find_signals(session, teams, today=today, zone=ZONE)
    return {(s.kind, s.officer.collar, s.open) for s in found}


def load(database_url: str, cwd: Path, *more: str, **env: str) -> tuple[int, str, str]:
    return run_cli(database_url, cwd, "demo", "load", "--today", TODAY.isoformat(), *more, **env)


async def test_the_demo_loads_the_district_and_says_whom_to_open_the_tab_as(
    database_url: str, sessions: Any, tmp_path: Path
) -> None:
    code, out, err = load(database_url, tmp_path)
    assert (code, err) == (0, ""), err
    lines = out.splitlines()
    assert lines[0].startswith("Loaded the Swale district: fictional (made-up people")
    assert "12 weeks of history, Wed 09 Sep 2026 to Tue 01 Dec 2026" in lines[1]
    assert "  Sittingbourne CSU: 7 members, sergeant S401" in lines
    assert "  Swale PSTF: 6 members, sergeant S402" in lines
    assert "  P424 Callum Frost: No briefing answers" in lines
    for collar in ("S401", "I901", "P401"):
        assert any(line.startswith(f"  pcso-bot dashboard link --as {collar} ") for line in lines)
    async with sessions() as session:
        teams = (await session.execute(select(Team.name, Team.district))).all()
        officers = (await session.scalars(select(Officer.collar_number))).all()
    assert sorted(teams) == sorted((name, DISTRICT) for name in TEAM_NAMES)
    assert sorted(officers) == sorted(c for c, _, _, _ in ROSTER)
    assert await signals(sessions) == SIGNALS
    counted = await rows(sessions)
    assert counted["attendance_answers"] > 1000 and counted["bwv_answers"] > 800

    code, out, err = load(database_url, tmp_path)  # again: the same district, replaced
    assert (code, err) == (0, ""), err
    assert out.startswith("Replaced the demo with the Swale district: fictional")
    again = await rows(sessions)
    assert {k: v for k, v in again.items() if k != "audit_log"} == {
        k: v for k, v in counted.items() if k != "audit_log"
    }
    assert await signals(sessions) == SIGNALS


async def test_loaded_again_on_a_later_day_the_history_ends_that_day(
    database_url: str, sessions: Any, tmp_path: Path
) -> None:
    assert load(database_url, tmp_path)[0] == 0
    later = date(2027, 3, 14)
    code, out, err = run_cli(
        database_url, tmp_path, "demo", "load", "--today", later.isoformat(), "--weeks", "6"
    )
    assert (code, err) == (0, ""), err
    assert "6 weeks of history, Mon 01 Feb 2027 to Sun 14 Mar 2027" in out
    async with sessions() as session:
        first, last = (
            await session.execute(
                select(func.min(AttendanceAnswer.day), func.max(AttendanceAnswer.day))
            )
        ).one()
        officers = await session.scalar(select(func.count()).select_from(Officer))
    assert (first, last, officers) == (date(2027, 2, 1), date(2027, 3, 12), len(ROSTER))
    assert await signals(sessions, later) == SIGNALS


@pytest.mark.parametrize(
    "setting",
    [
        {"MicrosoftAppId": "1b4e28ba-2fa1-41d2-883f-0016d3cca427", "MicrosoftAppTenantId": TENANT},
        {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"},
    ],
)
async def test_a_forces_service_is_refused(
    database_url: str, sessions: Any, tmp_path: Path, setting: dict[str, str]
) -> None:
    code, out, err = load(database_url, tmp_path, **setting)
    name = next(iter(setting))
    assert (code, out) == (2, "")
    assert err.splitlines() == [
        f"pcso-bot: {name} is set, so this is a force's service: the demo's made-up district "
        "is only for a bot on your own machine (local mode); nothing loaded"
    ]
    assert set((await rows(sessions)).values()) == {0}


async def test_a_store_with_anyone_else_on_its_roster_is_refused_and_left_alone(
    database_url: str, sessions: Any, tmp_path: Path
) -> None:
    await import_roster(sessions, SAMPLE_ROSTER.read_text())
    before = await rows(sessions)
    code, out, err = load(database_url, tmp_path)
    assert (code, out) == (2, "")
    [line] = err.splitlines()
    assert line.startswith("pcso-bot: the database ") and "already holds teams or officers" in line
    assert "(2 team(s), 12 officer(s), e.g. Maidstone CSU North, Maidstone PSTF, " in line
    assert line.endswith(
        "nothing loaded (point DATABASE_URL at a new database and run `pcso-bot db upgrade`)"
    )
    assert await rows(sessions) == before


async def test_a_demo_collar_that_is_someone_else_is_refused(
    database_url: str, sessions: Any, tmp_path: Path
) -> None:
    """A store with the demo in it and one officer changed (a real person under a demo
    collar number): not the demo's any more, so not replaced."""
    assert load(database_url, tmp_path)[0] == 0
    async with sessions() as session, session.begin():
        await session.execute(
            update(Officer).where(Officer.collar_number == "P401").values(name="Pat Real")
        )
    before = await rows(sessions)
    code, out, err = load(database_url, tmp_path)
    assert (code, out) == (2, "")
    assert "(0 team(s), 1 officer(s), e.g. P401)" in err
    assert await rows(sessions) == before
