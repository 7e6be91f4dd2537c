"""`my week`: the officer's own answers for the last seven days (nobody else's), from the
part each workflow registers (`router.my_week_section`)."""

from __future__ import annotations

from datetime import timedelta

from dialogs.core import Card, Reply, Section, Turn
from dialogs.router import Router, Views
from dialogs.sections import MyWeekContext
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
        last = turn.today
        first = last - timedelta(days=DAYS - 1)
        week = MyWeekContext(turn.session, turn.officer.id, first, last, turn.zone)
        parts = [await section.load(week) for section in self._views.my_week]
        facts: list[tuple[str, str]] = []
        for back in range(DAYS):
            day = last - timedelta(days=back)
            said = [phrase for part in parts for phrase in part.describe(day)]
            facts.append((short_day(day), "; ".join(said) or "nothing recorded"))
        card = Card(
            title="Your last seven days",
            sections=(
                Section(facts=tuple(facts)),
                Section(lines=("Only you can see this. Type briefing to answer today.",)),
            ),
        )
        return [Reply(card=card)]
