"""`pcso-bot teams import`: validation like the roster's, and its effect on the day's prompts."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.cli import main
from dialogs import team_settings
from storage.models import AuditEntry, Team
from tests.rig.officer_day import Clock, run
from tests.rig.teams import action, card_texts

SAMPLE = Path(__file__).parent.parent / "docs" / "sample-teams.csv"
HEADER = "team,briefing_time,briefing_days,review_time,nudge_minutes,pcso_returns\n"
NORTH = "Maidstone CSU North"
PSTF = "Maidstone PSTF"


def errors_of(text: str) -> list[str]:
    with pytest.raises(team_settings.TeamSettingsError) as caught:
        team_settings.parse(text)
    return caught.value.errors


def test_sample_file_parses_with_days_normalised():
    rows = team_settings.parse(SAMPLE.read_text())
    assert [r.team for r in rows] == [NORTH, PSTF]
    assert rows[0].values["briefing_days"] == "mon,tue,wed,thu,fri"
    assert rows[1].values["pcso_returns"] is True
    assert rows[1].values["supervision_ratio"] == 8


def test_blank_cells_take_the_spec_defaults_and_missing_columns_are_left_alone():
    [row] = team_settings.parse("team,briefing_time,bwv_time\nMaidstone PSTF,,14:45\n")
    assert row.values == {"briefing_time": time(8, 0), "bwv_time": time(14, 45)}


def test_every_bad_line_is_reported_with_its_number():
    text = (
        HEADER
        + "Maidstone CSU North,8am,mon-fri,08:30,20,no\n"
        + "Maidstone PSTF,08:00,mon,funday,08:30,20,no\n"
        + "Maidstone PSTF,07:30,fri-mon,08:30,-5,maybe\n"
        + ",08:00,mon,08:30,20,no\n"
        + "Maidstone PSTF,07:30,sat,08:30,20,yes\n"
        + "maidstone pstf,08:00,moonday,08:30,20,no\n"
        + "maidstone pstf,08:00,mon,08:30,20,no\n"
    )
    assert errors_of(text) == [
        "line 2: briefing_time: '8am' is not a time (use 24-hour HH:MM, e.g. 08:00)",
        "line 3: more values than columns",
        "line 4: briefing_days: 'fri-mon': a range must run forwards (e.g. mon-fri)",
        "line 4: nudge_minutes: '-5' is not a whole number from 0 to 120",
        "line 4: pcso_returns: 'maybe' is not yes or no",
        "line 5: missing team",
        "line 7: briefing_days: 'moonday' is not a day (use mon, tue, wed, thu, fri, sat, sun)",
        "line 8: team maidstone pstf appears twice (first on line 6)",
    ]


def test_header_problems_are_named():
    assert errors_of("name,briefing_time,colour\nX,08:00,red\n") == [
        "line 1: missing column: team",
        "line 1: unknown column(s): name, colour (known: " + ", ".join(team_settings.COLUMNS) + ")",
    ]
    assert errors_of("team,remote_link\n") == ["the file has no teams"]
    assert errors_of("team,remote_link\nX,http://example.org/meet\n") == [
        "line 2: remote_link: must be an https:// link of at most 500 characters"
    ]


@pytest.fixture
def csv_file(tmp_path: Path):  # type: ignore[no-untyped-def]
    def write(text: str) -> Path:
        path = tmp_path / "teams.csv"
        path.write_text(text)
        return path

    return write


async def cli(settings, monkeypatch, *argv: str) -> int:  # type: ignore[no-untyped-def]
    """The console command, in a thread (it runs its own event loop), on the test database."""
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    return await asyncio.to_thread(main, list(argv))


async def team(sessions, name: str) -> Team:  # type: ignore[no-untyped-def]
    async with sessions() as session:
        return await session.scalar(select(Team).where(Team.name == name))


async def test_import_applies_the_sample_and_is_audited(
    sample_roster, sessions, settings, monkeypatch, capsys
):
    assert await cli(settings, monkeypatch, "teams", "import", str(SAMPLE)) == 0
    assert "2 teams updated, 0 unchanged" in capsys.readouterr().out
    north, pstf = await team(sessions, NORTH), await team(sessions, PSTF)
    assert (north.remote_link or "").startswith("https://teams.microsoft.com/")
    assert (north.briefing_lead, north.pcso_returns) == ("Sam Okafor (TL201)", False)
    assert (pstf.pcso_returns, pstf.supervision_ratio, pstf.remote_link) == (True, 8, None)
    async with sessions() as session:
        audit = await session.scalar(select(AuditEntry).where(AuditEntry.action == "teams.import"))
        assert audit.detail["updated"] == [NORTH, PSTF]
    assert await cli(settings, monkeypatch, "teams", "import", str(SAMPLE)) == 0
    assert "0 teams updated, 2 unchanged" in capsys.readouterr().out


async def test_unknown_team_or_inconsistent_times_apply_nothing(
    sample_roster, sessions, settings, monkeypatch, capsys, csv_file
):
    path = csv_file(
        HEADER
        + "Maidstone CSU North,07:30,mon-fri,08:30,20,yes\n"
        + "Maidstone South,08:00,mon-fri,08:30,20,no\n"
        + "maidstone pstf,08:00,mon-fri,08:00,20,no\n"
    )
    assert await cli(settings, monkeypatch, "teams", "import", str(path)) == 1
    err = capsys.readouterr().err
    assert "line 3: unknown team 'Maidstone South' (import the roster first)" in err
    assert "line 4: review_time must be after briefing_time" in err
    assert "nothing imported (2 problem(s))" in err
    north = await team(sessions, NORTH)
    assert (north.briefing_time, north.pcso_returns) == (time(8, 0), False)
    path = csv_file("team,nudge_minutes,review_time\nMaidstone PSTF,40,08:30\n")
    assert await cli(settings, monkeypatch, "teams", "import", str(path)) == 1
    assert "must come before review_time" in capsys.readouterr().err


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 12, 1, 7, 0, tzinfo=UTC))


async def test_team_settings_drive_the_prompts(
    people, connector, sessions, settings, monkeypatch, csv_file
):
    path = csv_file(
        "team,briefing_time,briefing_days,briefing_on_bank_holidays,nudge_minutes,remote_link\n"
        "Maidstone PSTF,07:30,mon-fri,yes,0,https://teams.microsoft.com/l/meetup-join/pstf\n"
    )
    assert await cli(settings, monkeypatch, "teams", "import", str(path)) == 0
    christmas = datetime(2026, 12, 25, 7, 30, tzinfo=UTC)
    await run(sessions, settings, "briefing-prompts", christmas - timedelta(minutes=1))
    assert connector.messages() == []
    result = await run(sessions, settings, "briefing-prompts", christmas)
    assert result.run.recorded == 3  # PSTF only: CSU North has no briefing on a bank holiday
    card = connector.to(people["P311"].conversation_id)[0].card
    assert "When: Fri 25 Dec 2026, 07:30" in card_texts(card)
    assert action(card, "Join on Teams") == {  # the meeting link, a button of its own
        "type": "Action.OpenUrl",
        "title": "Join on Teams",
        "url": "https://teams.microsoft.com/l/meetup-join/pstf",
    }
    nudges = await run(sessions, settings, "briefing-nudges", christmas + timedelta(minutes=30))
    assert nudges.run.occurrences == 0


def test_blank_cells_mean_the_defaults_of_spec_md():
    """Taken from the Team model's column defaults, so the two cannot drift apart."""
    spec = {
        "briefing_time": time(8, 0),
        "briefing_days": "mon,tue,wed,thu,fri",
        "briefing_on_bank_holidays": False,
        "nudge_minutes": 20,
        "remote_link": None,
        "briefing_lead": None,
        "review_time": time(8, 30),
        "bwv_time": time(15, 30),
        "returns_time": time(16, 0),
        "pcso_returns": False,
        "supervision_ratio": 10,
        "signal_window_days": 28,
        "silent_days": 3,
        "vulnerable_days": 3,
        "vulnerable_window_days": 14,
        "need_help_days": 2,
    }
    assert spec == team_settings.DEFAULTS
