"""`pcso-bot export` as an operator runs it: the CSV gives back what was recorded."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from storage.models import AuditEntry
from tests.rig.connector import FakeConnector
from tests.rig.officer_day import Clock, install_all, officers_of
from tests.rig.supervision import at, store
from tests.rig.teams import TeamsUser
from tests.test_cli import pcso_bot

DAY = date(2026, 12, 1)
CSU = "Maidstone CSU North"


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 12, 1, 9, 0, tzinfo=UTC))


@pytest.fixture
async def people(sample_roster, teams_user, connector: FakeConnector) -> dict[str, TeamsUser]:
    users = officers_of(sample_roster, teams_user, connector)
    await install_all(users)
    return users


def returns(**fields: str) -> dict[str, str]:
    counts = {
        "cads_attended": "3",
        "themis_updated": "2",
        "intel_submitted": "1",
        "engagements": "12",
        "vulnerable_engagements": "2",
        "notes": "Busy",
    }
    return {"verb": "returns.submit", "team": CSU, "day": DAY.isoformat()} | counts | fields


@pytest.fixture
async def recorded(people, sessions, clock) -> None:
    leader = people["TL201"]
    await leader.say("task Patrol town centre | OSARA-22 | P302, P301")
    await leader.say("task Leaflet drop | P304")
    await people["S101"].say("one-to-one P303 | OSARA-22 on track | PACT meeting | pnb yes")
    clock.now = datetime(2026, 12, 1, 16, 5, tzinfo=UTC)
    await leader.submit(returns(outcome_1="done", note_1="All quiet", outcome_2="not_done"))
    clock.now = datetime(2026, 12, 1, 16, 20, tzinfo=UTC)
    await leader.submit(returns(outcome_1="done", note_1="All quiet", outcome_2="part_done"))
    async with store(sessions) as s:
        s.attend("P301", date(2026, 11, 30), "in_person")  # outside the exported dates
        s.attend("P301", DAY, "in_person")
        s.attend("P301", DAY, "remote", hour=9)
        s.attend("P302", DAY, "sick")
        s.attend("P311", DAY, "in_person")
        s.bwv("P301", DAY, "categorised")
        s.bwv("P302", DAY, "need_help")
        s.pcso_return("P301", DAY, cads_attended=2, vulnerable_engagements=1, notes="Market")


def parse(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def of_type(rows: list[dict[str, str]], kind: str, *columns: str) -> list[tuple[str, ...]]:
    return [tuple(r[c] for c in columns) for r in rows if r["record_type"] == kind]


async def test_export_round_trips_what_was_recorded(recorded, database_url, sessions):
    code, out, err = await pcso_bot(
        database_url, "export", "--from", "2026-12-01", "--to", "2026-12-01"
    )
    assert code == 0, err
    rows = parse(out)
    assert sorted({r["record_type"] for r in rows}) == [
        "attendance",
        "bwv",
        "one_to_one",
        "pcso_return",
        "task",
        "task_outcome",
        "team_return",
    ]
    assert all(r["day"] == "2026-12-01" for r in rows)
    assert of_type(
        rows, "attendance", "team", "collar_number", "value", "recorded_at", "latest"
    ) == [
        (CSU, "P301", "in_person", at(DAY, 8).isoformat(), "false"),
        (CSU, "P301", "remote", at(DAY, 9).isoformat(), "true"),
        (CSU, "P302", "sick", at(DAY, 8).isoformat(), "true"),
        ("Maidstone PSTF", "P311", "in_person", at(DAY, 8).isoformat(), "true"),
    ]
    assert of_type(rows, "task", "task_number", "description", "reference", "assignees") == [
        ("1", "Patrol town centre", "OSARA-22", "P301 P302"),
        ("2", "Leaflet drop", "", "P304"),
    ]
    assert set(of_type(rows, "task", "recorded_by")) == {("TL201",)}
    counts = ("cads_attended", "themis_updated", "intel_submitted", "engagements")
    assert of_type(rows, "team_return", *counts, "vulnerable_engagements", "note", "latest") == [
        ("3", "2", "1", "12", "2", "Busy", "false"),
        ("3", "2", "1", "12", "2", "Busy", "true"),
    ]
    assert of_type(rows, "task_outcome", "task_number", "value", "note", "latest") == [
        ("1", "done", "All quiet", "false"),
        ("2", "not_done", "", "false"),
        ("1", "done", "All quiet", "true"),
        ("2", "part_done", "", "true"),
    ]
    assert of_type(
        rows, "pcso_return", "collar_number", "cads_attended", "vulnerable_engagements", "note"
    ) == [("P301", "2", "1", "Market")]
    assert of_type(rows, "bwv", "collar_number", "value") == [
        ("P301", "categorised"),
        ("P302", "need_help"),
    ]
    assert of_type(
        rows,
        "one_to_one",
        "collar_number",
        "osara_progress",
        "engagement_notes",
        "pnb_checked",
        "recorded_by",
    ) == [("P303", "OSARA-22 on track", "PACT meeting", "true", "S101")]
    async with sessions() as session:
        [entry] = (await session.scalars(select(AuditEntry))).all()
        assert entry.action == "export"
        assert entry.actor.startswith("cli:")  # the operator who ran it
        assert entry.detail == {
            "first": "2026-12-01",
            "last": "2026-12-01",
            "team": None,
            "records": len(rows),
            "out": "stdout",
        }


async def test_export_of_one_team_to_a_file(recorded, database_url, tmp_path):
    target = tmp_path / "pstf.csv"
    code, out, err = await pcso_bot(
        database_url,
        "export",
        "--from",
        "2026-11-01",
        "--to",
        "2026-12-31",
        "--team",
        "maidstone pstf",
        "--out",
        str(target),
    )
    assert code == 0, err
    assert out == ""
    assert "1 records written to" in err
    rows = parse(target.read_text(encoding="utf-8"))
    assert of_type(rows, "attendance", "collar_number", "value") == [("P311", "in_person")]
    assert len(rows) == 1


async def test_export_refuses_bad_arguments_without_writing(database_url, sample_roster, sessions):
    for args, expected in (
        (("--from", "2026-12-02", "--to", "2026-12-01"), "--to is before --from"),
        (("--from", "yesterday", "--to", "2026-12-01"), "--from 'yesterday' is not a date"),
        (("--from", "2026-12-01", "--to", "2026-12-01", "--team", "Nowhere"), "unknown team"),
    ):
        code, out, err = await pcso_bot(database_url, "export", *args)
        assert (code, out) == (2, "")
        assert expected in err
    async with sessions() as session:
        assert (await session.scalars(select(AuditEntry))).all() == []
