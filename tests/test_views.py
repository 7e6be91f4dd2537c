"""The shared views are built from what workflows register: a part registered with the
router shows in the review and its rows in the export, with no other file changed."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from dialogs import build_router
from dialogs.core import Section
from dialogs.export import columns, write_csv
from dialogs.records import ExportContext, Row, Scope
from dialogs.review.card import review_card
from dialogs.review.view import load_review
from dialogs.router import Router
from dialogs.sections import ReviewContext, ReviewPart
from storage.models import Team

TUESDAY = date(2026, 12, 1)
ZONE = ZoneInfo("Europe/London")


class Engagement(ReviewPart):
    """A new workflow's part: one section and one line needing attention."""

    def attention(self, review: ReviewContext) -> Sequence[str]:
        return (f"Engagement plan due for {review.team.name}",)

    def sections(self, review: ReviewContext) -> Sequence[Section]:
        return (Section(heading="Community engagement", lines=("Weekly prompt sent.",)),)


async def load_engagement(_review: ReviewContext) -> ReviewPart:
    return Engagement()


async def engagement_rows(export: ExportContext) -> list[Row]:
    return [{"record_type": "engagement", "day": export.scope.first, "venue": "Library"}]


def with_engagement() -> Router:
    router = build_router()
    router.review_section(45, "engagement", load_engagement)
    router.export_rows(70, engagement_rows, columns=("venue",))
    return router


async def test_a_registered_review_part_shows_in_its_place(sample_roster, sessions):
    router = with_engagement()
    async with sessions() as session:
        team = await session.scalar(select(Team).where(Team.name == "Maidstone PSTF"))
        review = await load_review(session, team, TUESDAY, ZONE, router.views)
    assert isinstance(review.engagement, Engagement)
    card = review_card(review, viewer_id=0, zone=ZONE)
    [details] = card.details
    headings = [s.heading for s in details.sections]
    assert headings.index("Community engagement") == headings.index("BWV, Mon 30 Nov 2026") + 1
    assert card.sections[1].heading == "Needs your attention"
    assert f"Engagement plan due for {team.name}" in card.sections[1].lines


async def test_registered_export_rows_and_columns_are_written(sample_roster, sessions):
    router = with_engagement()
    out = io.StringIO()
    async with sessions() as session:
        written = await write_csv(session, out, Scope(TUESDAY, TUESDAY), router.views.export)
    header, *rows = out.getvalue().splitlines()
    assert header.split(",") == list(columns(router.views.export))
    assert header.split(",")[-5:] == ["venue", "late", "recorded_by", "recorded_at", "latest"]
    assert written == len(rows) == 1
    assert rows[0].startswith("engagement,,2026-12-01,")


def test_a_part_or_setting_registered_twice_is_refused():
    router = with_engagement()
    with pytest.raises(ValueError, match="registered twice"):
        router.review_section(46, "engagement", load_engagement)
    with pytest.raises(ValueError, match="registered twice"):
        router.team_setting("bwv_time", str)
    with pytest.raises(ValueError, match="provided twice"):
        router.tasks.provide(router.tasks.get())
