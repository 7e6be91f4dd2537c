"""Reading a roster CSV: every row validated, every bad line reported, before anything is
applied."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from storage.models import MEMBER_ROLES, ROLES, Role

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
