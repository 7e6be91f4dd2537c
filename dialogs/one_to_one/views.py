"""One-to-ones in the shared views: overdue ones flagged in the review, the last one in the
preparation line, the number overdue in the roll-up, and the export."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from dialogs.one_to_one.models import OneToOne
from dialogs.one_to_one.queries import is_overdue, last_one_to_ones
from dialogs.people import joined_on, person
from dialogs.records import ExportContext, Row
from dialogs.sections import ONE_TO_ONES, PeriodContext, PeriodPart, ReviewContext, ReviewPart
from dialogs.wording import short_day
from storage.models import Officer

COLUMNS = ("osara_progress", "engagement_notes", "pnb_checked")


@dataclass(frozen=True)
class OneToOneReview(ReviewPart):
    held: Mapping[int, date]

    def flags(self, review: ReviewContext) -> Sequence[tuple[int, str]]:
        """One line for every overdue one-to-one (one line each would fill a phone)."""
        overdue = self._overdue(review)
        if not overdue:
            return ()
        kind = "One-to-one overdue" if len(overdue) == 1 else "One-to-ones overdue"
        return ((ONE_TO_ONES, f"{kind}: {'; '.join(overdue)}"),)

    def _overdue(self, review: ReviewContext) -> list[str]:
        """'Jordan Patel (P302) (last Mon 26 Oct 2026, 36 days ago)' for each one overdue."""
        day, found = review.days.day, []
        for member in review.members:
            last = self.held.get(member.id)
            if not is_overdue(last, joined_on(member, review.zone), day):
                continue
            who = person(member).label
            if last is None:
                found.append(f"{who} (none recorded)")
            else:
                found.append(f"{who} (last {short_day(last)}, {(day - last).days} days ago)")
        return found


async def load_review(review: ReviewContext) -> ReviewPart:
    ids = [m.id for m in review.members]
    return OneToOneReview(await last_one_to_ones(review.session, ids, review.days.day))


@dataclass(frozen=True)
class OneToOnePeriod(PeriodPart):
    held: Mapping[int, date]

    def _overdue(self, member: Officer, period: PeriodContext) -> bool:
        since = joined_on(member, period.zone)
        return is_overdue(self.held.get(member.id), since, period.today)

    def officer(self, member: Officer, period: PeriodContext) -> str:
        last_held = self.held.get(member.id)
        if last_held is None:
            last = "no one-to-one recorded"
        else:
            last = f"last one-to-one {short_day(last_held)}"
        return last + (" (overdue)" if self._overdue(member, period) else "")

    def team(self, period: PeriodContext) -> Sequence[tuple[str, str]]:
        overdue = sum(self._overdue(m, period) for m in period.members)
        return (("One-to-ones overdue", str(overdue)),)


async def load_period(period: PeriodContext) -> PeriodPart:
    ids = [m.id for m in period.members]
    return OneToOnePeriod(await last_one_to_ones(period.session, ids, period.today))


async def export_rows(export: ExportContext) -> list[Row]:
    scope, names = export.scope, export.names
    query = select(OneToOne).where(OneToOne.held_on >= scope.first, OneToOne.held_on <= scope.last)
    if scope.team_id is not None:
        query = query.where(OneToOne.team_id == scope.team_id)
    held = (await export.session.scalars(query.order_by(OneToOne.held_on, OneToOne.id))).all()
    return [
        {
            "record_type": "one_to_one",
            "record_id": row.id,
            "day": row.held_on,
            "team": names.team(row.team_id),
            "collar_number": names.collar(row.officer_id),
            "name": names.name(row.officer_id),
            "osara_progress": row.osara_progress,
            "engagement_notes": row.engagement_notes,
            "pnb_checked": row.pnb_checked,
            "recorded_by": names.collar(row.supervisor_id),
            "recorded_at": row.recorded_at,
            "latest": True,
        }
        for row in held
    ]
