"""`pcso-bot` as an operator runs it: a real subprocess against SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import csv
import gc
import io
import os
import sys
from pathlib import Path

from sqlalchemy import func, select

from bot.app import YOUNG_OBJECTS, steady_collector
from storage.models import AuditEntry, Officer, Supervision, Team
from tests.conftest import SAMPLE_ROSTER


async def pcso_bot(database_url: str, *args: str, cwd: Path | None = None) -> tuple[int, str, str]:
    env = {**os.environ, "DATABASE_URL": database_url}
    env.pop("MicrosoftAppId", None)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        *args,
        env=env,
        cwd=cwd,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    return process.returncode or 0, out.decode(), err.decode()


async def test_roster_import_is_idempotent_and_exports_what_was_imported(database_url, sessions):
    code, out, err = await pcso_bot(database_url, "roster", "import", str(SAMPLE_ROSTER))
    assert code == 0, err
    assert "12 officers added, 0 updated, 0 unchanged; 2 teams added" in out
    code, out, _ = await pcso_bot(database_url, "roster", "import", str(SAMPLE_ROSTER))
    assert "0 officers added, 0 updated, 12 unchanged; 0 teams added" in out
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Officer)) == 12
        assert await session.scalar(select(func.count()).select_from(Team)) == 2
        assert await session.scalar(select(func.count()).select_from(Supervision)) == 3
        actions = (await session.scalars(select(AuditEntry.action))).all()
        assert actions == ["roster.import", "roster.import"]
    code, out, _ = await pcso_bot(database_url, "roster", "export")
    assert code == 0
    exported = sorted(csv.DictReader(io.StringIO(out)), key=lambda r: r["collar_number"])
    original = sorted(
        csv.DictReader(io.StringIO(SAMPLE_ROSTER.read_text())), key=lambda r: r["collar_number"]
    )
    assert exported == original


async def test_a_bad_roster_is_reported_by_line_and_nothing_is_applied(
    database_url, sessions, tmp_path
):
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "collar_number,name,role,team,district,email\n"
        "P1,Ann,pcso,T1,D1,ann@police.example\n"
        ",No Collar,pcso,T1,D1,nc@police.example\n"
        "P2,Bob,constable,T1,D1,bob@police.example\n"
        "P1,Ann Again,pcso,T1,D1,ann2@police.example\n"
        "P3,Cy,pcso,T1,D1,not-an-email\n"
    )
    code, _out, err = await pcso_bot(database_url, "roster", "import", str(bad))
    assert code == 1
    assert f"{bad}: line 3: missing collar number" in err
    assert f"{bad}: line 4: unknown role 'constable'" in err
    assert f"{bad}: line 5: duplicate collar number P1 (first on line 2)" in err
    assert f"{bad}: line 6: bad email 'not-an-email'" in err
    assert "nothing imported (4 problem(s))" in err
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Officer)) == 0


async def test_missing_file_is_one_clear_line(database_url):
    code, _, err = await pcso_bot(database_url, "roster", "import", "/no/such.csv")
    assert code == 2
    assert err.strip() == "pcso-bot: /no/such.csv: no such file"


async def test_db_upgrade_creates_a_fresh_sqlite_database(tmp_path, database_url):
    fresh = f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
    code, out, err = await pcso_bot(fresh, "db", "upgrade")
    assert code == 0, err
    assert "database is up to date" in out
    code, out, err = await pcso_bot(fresh, "db", "upgrade")
    assert code == 0, err


async def test_unauthenticated_serve_refuses_a_public_address(database_url):
    code, _, err = await pcso_bot(database_url, "serve", "--host", "0.0.0.0")
    assert code == 2
    assert "unauthenticated and may only listen on loopback" in err


async def test_bad_configuration_is_explained_without_a_traceback(database_url):
    env_backup = os.environ.get("PCSO_TIMEZONE")
    os.environ["PCSO_TIMEZONE"] = "Mars/Olympus"
    try:
        code, _, err = await pcso_bot(database_url, "roster", "export")
    finally:
        if env_backup is None:
            os.environ.pop("PCSO_TIMEZONE")
        else:
            os.environ["PCSO_TIMEZONE"] = env_backup
    assert code == 2
    assert "bad configuration: PCSO_TIMEZONE" in err
    assert "Traceback" not in err


async def test_an_unknown_teams_sdk_is_one_line(database_url, monkeypatch):
    monkeypatch.setenv("PCSO_TEAMS_SDK", "foo")
    code, out, err = await pcso_bot(database_url, "serve")
    assert code == 2
    assert len(err.strip().splitlines()) == 1, err
    assert "bad configuration: PCSO_TEAMS_SDK" in err
    assert "'botbuilder' or 'agents'" in err
    assert "Traceback" not in err and out == ""


def test_serve_sets_the_cycle_collector_once_loaded() -> None:
    """What the service holds once loaded is frozen out of the collector's way, and the
    collector waits for 5,000 new objects (bot/app.py, called by `pcso-bot serve`)."""
    before = gc.get_threshold()
    try:
        steady_collector()
        assert gc.get_threshold() == (YOUNG_OBJECTS, *before[1:])
        assert gc.get_freeze_count() > 1000
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
