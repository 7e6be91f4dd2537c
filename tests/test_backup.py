"""`pcso-bot db backup`: a consistent copy while the service could be writing, restorable,
on SQLite (online backup API, WAL included) and PostgreSQL (pg_dump, restored with
pg_restore)."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
import subprocess
import uuid
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from storage.db import is_sqlite
from storage.models import Officer
from tests.conftest import SAMPLE_ROSTER, import_roster
from tests.rig.cli import run_cli

ROOT = Path(__file__).resolve().parent.parent


async def test_a_backup_holds_every_committed_row_and_restores(
    database_url, sessions, engine, tmp_path
):
    await import_roster(sessions, SAMPLE_ROSTER.read_text())
    out = tmp_path / "backup.bin"
    # The engine keeps its connection open: on SQLite the rows are still in the WAL file,
    # which a plain copy of the .db file would miss.
    code, stdout, err = await asyncio.to_thread(
        run_cli, database_url, tmp_path, "db", "backup", "--out", str(out)
    )
    assert code == 0, err
    assert str(out) in stdout + err
    assert "Traceback" not in err
    if is_sqlite(database_url):
        copy = sqlite3.connect(out)
        try:
            assert copy.execute("SELECT count(*) FROM officers").fetchone() == (12,)
            assert copy.execute("PRAGMA journal_mode").fetchone() == ("delete",)
        finally:
            copy.close()
        return
    if shutil.which("pg_restore") is None:
        pytest.skip("pg_restore is not installed")
    server = make_url(database_url).set(drivername="postgresql")
    name = f"pcso_restore_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(server.render_as_string(hide_password=False))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        restored_url = server.set(database=name).render_as_string(hide_password=False)
        restore = await asyncio.to_thread(
            subprocess.run,
            ["pg_restore", "--no-owner", f"--dbname={restored_url}", str(out)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert restore.returncode == 0, restore.stderr
        restored = await asyncpg.connect(restored_url)
        try:
            assert await restored.fetchval("SELECT count(*) FROM officers") == 12
        finally:
            await restored.close()
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Officer)) == 12


async def test_a_backup_never_overwrites_and_never_leaves_half_a_file(database_url, tmp_path):
    existing = tmp_path / "kept.bin"
    existing.write_bytes(b"yesterday's backup")
    code, _, err = await asyncio.to_thread(
        run_cli, database_url, tmp_path, "db", "backup", "--out", str(existing)
    )
    assert code == 2 and len(err.strip().splitlines()) == 1, err
    assert "already exists" in err
    assert existing.read_bytes() == b"yesterday's backup"

    nowhere = tmp_path / "no" / "such" / "dir" / "x.bin"
    code, _, err = await asyncio.to_thread(
        run_cli, database_url, tmp_path, "db", "backup", "--out", str(nowhere)
    )
    assert code == 2 and "no such directory" in err, err
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("pcso-")) == [
        "kept.bin"
    ]
