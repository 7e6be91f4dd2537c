"""Applying validated roster rows to the store (officers, teams, supervision) and exporting
the roster in import format."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import MEMBER_ROLES, Officer, Role, Supervision, Team
from storage.roster.rows import COLUMNS, RosterRow


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
