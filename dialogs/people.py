"""People as cards show them, and when they joined the roster."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Officer


@dataclass(frozen=True)
class Person:
    id: int
    collar: str
    name: str

    @property
    def label(self) -> str:
        return f"{self.name} ({self.collar})"


def person(officer: Officer) -> Person:
    return Person(officer.id, officer.collar_number, officer.name)


async def people(session: AsyncSession, ids: Collection[int]) -> dict[int, Person]:
    """Officer id → Person, in one query (none when there are no ids)."""
    if not ids:
        return {}
    rows = await session.scalars(select(Officer).where(Officer.id.in_(list(ids))))
    return {o.id: person(o) for o in rows}


def joined_on(officer: Officer, zone: ZoneInfo) -> date:
    """The local day the officer joined the roster: nothing is owed from before it."""
    return officer.created_at.astimezone(zone).date()


def names(who: Iterable[Person]) -> str:
    return ", ".join(p.name for p in who)


def labels(who: Iterable[Person]) -> str:
    return ", ".join(p.label for p in who)
