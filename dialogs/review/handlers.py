"""`review [TEAM] [DATE]` on demand (sergeants of the team, inspectors of its district and
admins), and "Reviewed" (`review.ack`, typed `reviewed [TEAM] [DATE]`), which records who
read it. Every card shown, and every read, is written to the audit log."""

from __future__ import annotations

from datetime import date

from dialogs.answers import already_recorded
from dialogs.core import Reply, Turn, UserError
from dialogs.review.card import review_card
from dialogs.review.queries import mark_read
from dialogs.review.view import load_review
from dialogs.router import Views
from dialogs.supervision import choose_team, parse_date, split_date
from storage import audit, officers
from storage.models import Team


class Handlers:
    def __init__(self, views: Views) -> None:
        self._views = views

    async def show_review(self, turn: Turn) -> list[Reply]:
        team_words, day = split_date(turn.text, turn.today)
        team = await choose_team(turn, team_words, command="review")
        await _check_can_see(turn, team)
        review = await load_review(turn.session, team, day, turn.zone, self._views)
        await audit.record(
            turn.session,
            "review.view",
            at=turn.now,
            officer=turn.officer,
            team=team.name,
            day=day.isoformat(),
        )
        return [Reply(card=review_card(review, turn.officer.id, turn.zone))]

    async def refresh(self, turn: Turn) -> list[Reply]:
        """`review.show`, a card's refresh: the review as it now stands (who has read it),
        for this viewer. It records nothing: the card was audited when it was shown."""
        data = turn.data or {}
        team = await choose_team(turn, str(data.get("team") or ""), command="review")
        day = parse_date(data.get("date"), "date")
        await _check_can_see(turn, team)
        review = await load_review(turn.session, team, day, turn.zone, self._views)
        return [Reply(card=review_card(review, turn.officer.id, turn.zone), replace=True)]

    async def acknowledge(self, turn: Turn) -> list[Reply]:
        """`review.ack`: the "Reviewed" button; the card is updated in place."""
        data = turn.data or {}
        team = await choose_team(turn, str(data.get("team") or ""), command="review")
        day = parse_date(data.get("date"), "date")
        return await self._mark_read(turn, team, day, replace=True)

    async def mark_reviewed(self, turn: Turn) -> list[Reply]:
        """`reviewed [TEAM] [DATE]`: the typed equivalent of the "Reviewed" button."""
        team_words, day = split_date(turn.text, turn.today)
        team = await choose_team(turn, team_words, command="reviewed")
        return await self._mark_read(turn, team, day, replace=False)

    async def _mark_read(self, turn: Turn, team: Team, day: date, *, replace: bool) -> list[Reply]:
        """Record (once) and audit that this officer read the team's review for the day; a
        second "Reviewed" stores and audits nothing and says it was already recorded."""
        await _check_can_see(turn, team)
        read, new = await mark_read(
            turn.session, team_id=team.id, day=day, officer_id=turn.officer.id, read_at=turn.now
        )
        if new:
            await audit.record(
                turn.session,
                "review.ack",
                at=turn.now,
                officer=turn.officer,
                team=team.name,
                day=day.isoformat(),
            )
        said = None if new else already_recorded(read.read_at, turn.now, turn.zone)
        review = await load_review(turn.session, team, day, turn.zone, self._views)
        card = review_card(review, turn.officer.id, turn.zone, said=said)
        return [Reply(card=card, replace=replace)]


async def _check_can_see(turn: Turn, team: Team) -> None:
    if not await officers.can_see_team(turn.session, turn.officer, team):
        raise UserError("Sorry, only the team's sergeants, its inspector and admins can see that.")
