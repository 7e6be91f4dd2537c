"""The demo district (`bot.demo`) for tests: written in a transaction of its own, on top of
a migrated store, with what it holds (`District.expected`: every signal kind exactly once;
`District.discussed`: one already discussed)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.demo import FAVERSHAM, PSTF, SITTINGBOURNE, ZONE, District, Expected, write_district

__all__ = [
    "FAVERSHAM",
    "PSTF",
    "SITTINGBOURNE",
    "ZONE",
    "District",
    "Expected",
    "build_district",
    "local",
]


def local(day: date, hour: int, minute: int = 0) -> datetime:
    """An instant of the day at the district's local time, in UTC as the store keeps it."""
    return datetime.combine(day, time(hour, minute), tzinfo=ZONE).astimezone(UTC)


async def build_district(
    sessions: async_sessionmaker[AsyncSession], *, today: date, weeks: int = 12
) -> District:
    """Write the district (one transaction) and say what it holds."""
    async with sessions() as session, session.begin():
        return await write_district(session, today=today, weeks=weeks)
