"""A team's morning review, put together from the parts every workflow registers
(`router.review_section`) and the review's own findings: who cannot be reached, whether
the team's sergeants cover it, vulnerable-person engagements to check, and who read it.

The view reads the members and sergeants once; each part then runs its own fixed number
of indexed queries, so the cost follows the size of the team, never the length of the
history (`bench/review.py` measures it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from dialogs.calendar import briefing_days_back, is_briefing_day, previous_briefing_day
from dialogs.core import Section
from dialogs.officer_day import BWV_CATEGORY
from dialogs.people import Person, person
from dialogs.presence import Presence
from dialogs.review.queries import reads, sergeant_loads
from dialogs.router import Views
from dialogs.sections import ReviewContext, ReviewDays, ReviewPart
from dialogs.wording import short_day
from storage import officers
from storage.models import Officer, Team

SILENT_DAYS = 3


def review_days(team: Team, day: date) -> ReviewDays:
    return ReviewDays(
        day=day,
        previous=previous_briefing_day(team, day),
        recent=tuple(briefing_days_back(team, day, SILENT_DAYS)),
        briefing_today=is_briefing_day(team, day),
    )


@dataclass(frozen=True)
class Review:
    """The review's context, each registered part (`review.<name>`, e.g.
    `review.attendance`), and who has read it."""

    context: ReviewContext
    parts: dict[str, ReviewPart]
    reads: tuple[tuple[Person, datetime], ...]
    loads: dict[int, int]

    def __getattr__(self, name: str) -> ReviewPart:
        parts = self.__dict__.get("parts", {})
        if name not in parts:
            raise AttributeError(name)
        part: ReviewPart = parts[name]
        return part

    @property
    def team(self) -> Team:
        return self.context.team

    @property
    def days(self) -> ReviewDays:
        return self.context.days

    def attention(self) -> tuple[str, ...]:
        """What needs the sergeant's attention, most urgent kinds first; none is nothing."""
        review = self.context
        lines = [
            _unreachable(m, since, review.zone)
            for m in review.members
            if (since := m.unreachable_since) is not None
        ]
        for part in self.parts.values():
            lines.extend(part.attention(review))
        lines.extend(self._vulnerable())
        if not review.sergeants:
            lines.append("Supervision: no active sergeant supervises this team.")
        lines.extend(
            f"Supervision: {person(s).label} oversees {self.loads.get(s.id, 0)} PCSOs, more "
            f"than the ratio of {review.team.supervision_ratio}."
            for s in review.sergeants
            if self.loads.get(s.id, 0) > review.team.supervision_ratio
        )
        return tuple(lines)

    def _vulnerable(self) -> list[str]:
        """Vulnerable-person engagements in the previous day's returns: check the footage."""
        review, prev = self.context, self.context.days.previous
        found = [
            f"{whose} {counts['vulnerable_engagements']}"
            for part in self.parts.values()
            for whose, counts in part.counts(review)
            if counts["vulnerable_engagements"] > 0
        ]
        if not found or prev is None:
            return []
        return [
            f"Engagements with vulnerable people on {short_day(prev)}: {', '.join(found)}. "
            f'Check the footage is categorised "{BWV_CATEGORY}".'
        ]

    @property
    def nothing_to_report(self) -> bool:
        """Nothing recorded, nothing owed and nothing flagged."""
        recorded = any(part.reports(self.context) for part in self.parts.values())
        return not recorded and not self.attention()

    def sections(self) -> list[Section]:
        """Every part's sections, in the registered order."""
        return [s for part in self.parts.values() for s in part.sections(self.context)]


def _unreachable(member: Officer, since: datetime, zone: ZoneInfo) -> str:
    why = member.unreachable_reason
    line = f"Cannot reach {person(member).label} since {short_day(since.astimezone(zone).date())}"
    return line + (f" ({why[:80]})" if why else "")


async def load_review(
    session: AsyncSession, team: Team, day: date, zone: ZoneInfo, views: Views | None = None
) -> Review:
    """The team's review for the day, from `views` (by default every workflow's parts)."""
    if views is None:
        from dialogs import registered  # the composition root, which imports this package

        views = registered()
    members = await officers.members(session, team.id)
    sergeants = await officers.sergeants_of(session, team.id)
    context = ReviewContext(session, team, review_days(team, day), zone, members, sergeants)
    parts = {section.name: await section.load(context) for section in views.review}
    context.presence = Presence.combined(part.presence() for part in parts.values())
    return Review(
        context=context,
        parts=parts,
        reads=tuple(await reads(session, team.id, day)),
        loads=await sergeant_loads(session, [s.id for s in sergeants]),
    )
