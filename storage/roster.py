"""Roster CSV: validate every row, then upsert officers, teams and supervision in one go.

Columns (SPEC.md): collar_number, name, role, team, district, email, aad_object_id,
slack_user_id (the last two optional). A sergeant who supervises several teams lists them
in `team` separated by ';'. Nothing is applied when any row is bad.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import MEMBER_ROLES, ROLES, Officer, Role, Supervision, Team

COLUMNS = (
    "collar_number",
    "name",
    "role",
    "team",
    "district",
    "email",
    "aad_object_id",
    "slack_user_id",
)
REQUIRED_COLUMNS = COLUMNS[:6]
COLLAR = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,19}$")
EMAIL = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+$")
GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
SLACK_ID = re.compile(r"^[UW][A-Z0-9]{2,30}$")


class RosterError(Exception):
    """The file is not acceptable; `errors` are line-numbered messages."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class RosterRow:
    line: int
    collar_number: str
    name: str
    role: str
    teams: tuple[str, ...]
    district: str
    email: str
    aad_object_id: str | None
    slack_user_id: str | None


@dataclass
class ImportSummary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    teams_created: int = 0
    deactivated: int = 0
    not_in_file: list[str] = field(default_factory=list)

    def describe(self) -> str:
        text = (
            f"{self.created} officers added, {self.updated} updated, {self.unchanged} unchanged; "
            f"{self.teams_created} teams added"
        )
        if self.deactivated:
            text += f"; {self.deactivated} officers not in the file marked inactive"
        elif self.not_in_file:
            text += (
                f"; {len(self.not_in_file)} officers on record are not in the file "
                "(left as they are; use --deactivate-missing to mark them inactive)"
            )
        return text


def parse(text: str) -> list[RosterRow]:
    """Validate the whole file; raise `RosterError` listing every bad line."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    unknown = [h for h in header if h not in COLUMNS]
    if missing or unknown:
        problems = []
        if missing:
            problems.append(f"line 1: missing column(s): {', '.join(missing)}")
        if unknown:
            problems.append(f"line 1: unknown column(s): {', '.join(unknown)}")
        raise RosterError(problems)
    reader.fieldnames = header
    rows: list[RosterRow] = []
    errors: list[str] = []
    seen: dict[str, dict[str, int]] = {"collar": {}, "email": {}, "aad": {}, "slack": {}}
    team_district: dict[str, tuple[str, int]] = {}
    for raw in reader:
        line = reader.line_num
        values = {k: (v or "").strip() for k, v in raw.items() if k is not None}
        if not any(values.values()):
            continue
        if None in raw:
            errors.append(f"line {line}: more values than columns")
            continue
        row, problems = _row(line, values)
        errors.extend(f"line {line}: {p}" for p in problems)
        if row is None:
            continue
        for kind, value in (
            ("collar", row.collar_number.upper()),
            ("email", row.email.lower()),
            ("aad", (row.aad_object_id or "").lower()),
            ("slack", row.slack_user_id or ""),
        ):
            if not value:
                continue
            if value in seen[kind]:
                first = seen[kind][value]
                errors.append(
                    f"line {line}: duplicate {_LABELS[kind]} {value} (first on line {first})"
                )
            else:
                seen[kind][value] = line
        if row.role in MEMBER_ROLES and row.teams:
            name = row.teams[0].lower()
            earlier = team_district.get(name)
            if earlier and earlier[0].lower() != row.district.lower():
                errors.append(
                    f"line {line}: team {row.teams[0]} is in district {earlier[0]} "
                    f"on line {earlier[1]}, not {row.district}"
                )
            else:
                team_district.setdefault(name, (row.district, line))
        rows.append(row)
    if errors:
        raise RosterError(errors)
    if not rows:
        raise RosterError(["the file has no officers"])
    return rows


_LABELS = {
    "collar": "collar number",
    "email": "email",
    "aad": "aad_object_id",
    "slack": "slack_user_id",
}


def _row(line: int, v: dict[str, str]) -> tuple[RosterRow | None, list[str]]:
    problems: list[str] = []
    collar = v.get("collar_number", "")
    if not collar:
        problems.append("missing collar number")
    elif not COLLAR.match(collar):
        problems.append(f"collar number {collar!r} must be letters, digits or '-' (≤ 20)")
    name = v.get("name", "")
    if not name:
        problems.append("missing name")
    elif len(name) > 120:
        problems.append("name longer than 120 characters")
    role = v.get("role", "").lower()
    if role not in ROLES:
        problems.append(f"unknown role {v.get('role', '')!r} (expected one of: {', '.join(ROLES)})")
    teams = tuple(t.strip() for t in v.get("team", "").split(";") if t.strip())
    if role in MEMBER_ROLES and len(teams) != 1:
        problems.append(f"a {role} must be in exactly one team")
    if any(len(t) > 80 for t in teams):
        problems.append("team name longer than 80 characters")
    district = v.get("district", "")
    if not district and role != Role.ADMIN.value:
        problems.append("missing district")
    email = v.get("email", "")
    if not EMAIL.match(email):
        problems.append(f"bad email {email!r}" if email else "missing email")
    aad = v.get("aad_object_id") or None
    if aad and not GUID.match(aad):
        problems.append(f"aad_object_id {aad!r} is not a GUID")
    slack = v.get("slack_user_id") or None
    if slack and not SLACK_ID.match(slack):
        problems.append(f"slack_user_id {slack!r} is not a Slack user id (U…/W…)")
    if problems:
        return None, problems
    return (
        RosterRow(
            line=line,
            collar_number=collar.upper(),
            name=name,
            role=role,
            teams=teams if role in (*MEMBER_ROLES, Role.SERGEANT.value) else (),
            district=district,
            email=email.lower(),
            aad_object_id=aad.lower() if aad else None,
            slack_user_id=slack,
        ),
        [],
    )


async def apply(
    session: AsyncSession, rows: Iterable[RosterRow], *, deactivate_missing: bool = False
) -> ImportSummary:
    """Upsert the validated rows. The caller commits (or rolls back) the session."""
    rows = list(rows)
    summary = ImportSummary()
    teams = {t.name.lower(): t for t in (await session.scalars(select(Team))).all()}
    for row in rows:
        for i, name in enumerate(row.teams):
            team = teams.get(name.lower())
            if team is None:
                team = Team(name=name, district=row.district)
                session.add(team)
                teams[name.lower()] = team
                summary.teams_created += 1
            elif row.role in MEMBER_ROLES and i == 0 and team.district != row.district:
                team.district = row.district
    await session.flush()
    officers = {o.collar_number.upper(): o for o in (await session.scalars(select(Officer))).all()}
    for row in rows:
        officer = officers.get(row.collar_number)
        home = teams[row.teams[0].lower()].id if row.role in MEMBER_ROLES else None
        wanted = {
            "name": row.name,
            "role": row.role,
            "team_id": home,
            "district": row.district,
            "email": row.email,
            "active": True,
        }
        if row.aad_object_id:
            wanted["aad_object_id"] = row.aad_object_id
        if row.slack_user_id:
            wanted["slack_user_id"] = row.slack_user_id
        if officer is None:
            officer = Officer(collar_number=row.collar_number, **wanted)
            session.add(officer)
            officers[row.collar_number] = officer
            summary.created += 1
        elif any(getattr(officer, k) != w for k, w in wanted.items()):
            for k, w in wanted.items():
                setattr(officer, k, w)
            summary.updated += 1
        else:
            summary.unchanged += 1
    await session.flush()
    await _supervision(session, rows, officers, teams)
    in_file = {r.collar_number for r in rows}
    missing = [o for c, o in sorted(officers.items()) if c not in in_file and o.active]
    summary.not_in_file = [o.collar_number for o in missing]
    if deactivate_missing:
        for officer in missing:
            officer.active = False
        summary.deactivated = len(missing)
    return summary


async def _supervision(
    session: AsyncSession,
    rows: list[RosterRow],
    officers: dict[str, Officer],
    teams: dict[str, Team],
) -> None:
    """Each sergeant in the file supervises exactly the teams listed on their row."""
    sergeant_ids = [officers[r.collar_number].id for r in rows]
    await session.execute(delete(Supervision).where(Supervision.sergeant_id.in_(sergeant_ids)))
    for row in rows:
        if row.role != Role.SERGEANT.value:
            continue
        for name in row.teams:
            session.add(
                Supervision(
                    sergeant_id=officers[row.collar_number].id, team_id=teams[name.lower()].id
                )
            )
    await session.flush()


async def export(session: AsyncSession) -> str:
    """The roster as CSV, in import format, sergeants listing every team they supervise."""
    teams = {t.id: t.name for t in (await session.scalars(select(Team))).all()}
    supervised: dict[int, list[str]] = {}
    for link in (await session.scalars(select(Supervision))).all():
        supervised.setdefault(link.sergeant_id, []).append(teams[link.team_id])
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    officers = (
        await session.scalars(
            select(Officer).where(Officer.active.is_(True)).order_by(Officer.collar_number)
        )
    ).all()
    for o in officers:
        team = (
            ";".join(sorted(supervised.get(o.id, [])))
            if o.role == Role.SERGEANT.value
            else teams.get(o.team_id, "")
            if o.team_id
            else ""
        )
        writer.writerow(
            [
                o.collar_number,
                o.name,
                o.role,
                team,
                o.district,
                o.email,
                o.aad_object_id or "",
                o.slack_user_id or "",
            ]
        )
    return out.getvalue()
