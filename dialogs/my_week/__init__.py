"""`my week`: the officer's own answers for the last seven days (nobody else's), from the
part each workflow registers (`router.my_week_section`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from dialogs.core import Card, Reply, Section, Turn
from dialogs.router import Router, Views
from dialogs.sections import MyWeekContext, MyWeekSection
from dialogs.wording import short_day
from storage.models import MEMBER_ROLES

DAYS = 7


def register(router: Router) -> None:
    router.command(
        "my week",
        MyWeek(router.views).show,
        summary="your own answers for the last seven days",
        roles=MEMBER_ROLES,
    )


class MyWeek:
    def __init__(self, views: Views) -> None:
        self._views = views

    async def show(self, turn: Turn) -> list[Reply]:
        card = await week_card(
            self._views.my_week, turn.session, turn.officer.id, today=turn.today, zone=turn.zone
        )
        return [Reply(card=card)]


async def week_card(
    sections: Sequence[MyWeekSection],
    session: AsyncSession,
    officer_id: int,
    *,
    today: date,
    zone: ZoneInfo,
) -> Card:
    """The officer's last seven days up to `today`, newest first (the chat and the tab)."""
    first = today - timedelta(days=DAYS - 1)
    week = MyWeekContext(session, officer_id, first, today, zone)
    parts = [await section.load(week) for section in sections]
    facts: list[tuple[str, str]] = []
    for back in range(DAYS):
        day = today - timedelta(days=back)
        said = [phrase for part in parts for phrase in part.describe(day)]
        facts.append((short_day(day), "; ".join(said) or "nothing recorded"))
    return Card(
        title="Your last seven days",
        sections=(
            Section(facts=tuple(facts)),
            Section(lines=("Only you can see this. Type briefing to answer today.",)),
        ),
    )
