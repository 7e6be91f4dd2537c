"""Page stamps: one number per team that the database itself moves on whenever anything the
team's supervision pages show is written, whoever writes it (the bot, the CLI, an import,
a plain SQL statement, the retention purge). Triggers on each table in `STAMPED` add one
to the stamp of the row's team (migration `0010_page_stamps`); nothing else writes them.

A page drawn after reading its teams' stamps is still right while they read the same:
`bot/tab/kept_pages.py` keeps drawn pages on that promise. A new table a supervision page
reads must be stamped too (its triggers in a migration, its name here), or a kept page
would go on showing what it held before; `tests/test_kept_pages.py` reads every page with
every statement watched and fails on a table that is not.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.lists import INTEGERS, one_of
from storage.models import PageStamp

STAMPED = frozenset(
    {
        "attendance_answers",
        "bwv_answers",
        "pcso_returns",
        "team_returns",
        "tasks",
        "task_assignees",
        "signal_discussions",
        "away_periods",
        "officers",
        "teams",
    }
)
"""The tables whose writes move their teams' stamps, each by its own triggers."""
DERIVED = frozenset({"kept_weeks", "trend_stamps", "page_stamps"})
"""Tables a page reads that only hold what is worked out from the stamped ones."""

_STAMPS = select(PageStamp.team_id, PageStamp.stamp).where(
    one_of(PageStamp.team_id, bindparam("teams", type_=INTEGERS))
)


async def team_stamps(session: AsyncSession, team_ids: Collection[int]) -> dict[int, int]:
    """Team id → its stamp, for the teams that have one (a team nothing was written for
    yet has none), in one statement."""
    if not team_ids:
        return {}
    rows = await session.execute(_STAMPS, {"teams": list(team_ids)})
    return {team_id: stamp for team_id, stamp in rows}
