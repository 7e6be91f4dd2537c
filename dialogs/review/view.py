"""A team's morning review, put together from the parts every workflow registers
(`router.review_section`) and the review's own findings: who cannot be reached, whether
the team's sergeants cover it, vulnerable-person engagements to check, and who read it.

The view reads the members and sergeants once; each part then runs its own fixed number
of indexed queries, so the cost follows the size of the team, never the length of the
history (`bench/review.py` measures it).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from dialogs.calendar import is_briefing_day, previous_briefing_day
from dialogs.core import Section
from dialogs.officer_day import BWV_CATEGORY
from dialogs.people import Person, person
from dialogs.presence import Presence
from dialogs.review.queries import reads, sergeant_teams
from dialogs.router import Views
from dialogs.sections import (
    SUPERVISION,
    UNREACHABLE,
    VULNERABLE,
    ReviewContext,
    ReviewDays,
    ReviewPart,
)
from dialogs.wording import short_day
from storage import officers
from storage.models import Officer, Team


def review_days(team: Team, day: date) -> ReviewDays:
    return ReviewDays(
        day=day,
        previous=previous_briefing_day(team, day),
        briefing_today=is_briefing_day(team, day),
    )


@dataclass(frozen=True)
class Review:
    """The review's context, each registered part (`review.<name>`, e.g.
    `review.attendance`), who has read it, and what each of the team's sergeants
    supervises (every team, with its members)."""

    context: ReviewContext
    parts: dict[str, ReviewPart]
    reads: tuple[tuple[Person, datetime], ...]
    supervised: dict[int, list[tuple[Team, int]]]

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
        """Everything that needs the sergeant's action, most urgent kinds first (see the
        ranks in `dialogs.sections`); none is nothing."""
        review = self.context
        flags = [
            (UNREACHABLE, _unreachable(m, since, review.zone))
            for m in review.members
            if (since := m.unreachable_since) is not None
        ]
        for part in self.parts.values():
            flags.extend(part.flags(review))
        flags.extend((VULNERABLE, line) for line in self._vulnerable())
        if not review.sergeants:
            flags.append((SUPERVISION, "Supervision: no active sergeant supervises this team."))
        flags.extend((SUPERVISION, line) for line in self._over_ratio())
        return tuple(line for _, line in sorted(flags, key=lambda flag: flag[0]))

    def tally(self, attention: int) -> str:
        """One line: how many things need action, then each part's few words."""
        said = [t for part in self.parts.values() if (t := part.tally(self.context))]
        head = f"{attention} need{'s' if attention == 1 else ''} your attention"
        return " · ".join([head if attention else "Nothing needs your attention", *said])

    def _over_ratio(self) -> list[str]:
        """Each sergeant over the ratio, said once: in the review of the team (of those they
        supervise) with the lowest ratio, with their PCSOs across all their teams."""
        lines = []
        for sergeant in self.context.sergeants:
            teams = self.supervised.get(sergeant.id) or [(self.team, len(self.context.members))]
            strictest = min(teams, key=lambda pair: (pair[0].supervision_ratio, pair[0].id))[0]
            total = sum(count for _, count in teams)
            if strictest.id != self.team.id or total <= strictest.supervision_ratio:
                continue
            split = (
                " (" + ", ".join(f"{count} in {team.name}" for team, count in teams) + ")"
                if len(teams) > 1
                else ""
            )
            lines.append(
                f"Supervision: {person(sergeant).label} oversees {total} PCSOs{split}, more than "
                f"the ratio of {strictest.supervision_ratio}."
            )
        return lines

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
        overlap = (
            " (each return counts its own; the team return may include the PCSOs')"
            if len(found) > 1
            else ""
        )
        return [
            f"Engagements with vulnerable people on {short_day(prev)}: {', '.join(found)}"
            f'{overlap}. Check the footage is categorised "{BWV_CATEGORY}".'
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
    day = short_day(since.astimezone(zone).date())
    line = f"Cannot reach {person(member).label} since {day}"
    return line + (f" ({why})" if (why := unreachable_why(member.unreachable_reason)) else "")


def unreachable_why(reason: str | None) -> str:
    """The stored delivery failure in plain words, never the raw error."""
    if not reason:
        return ""
    said = reason.lower()
    if "not installed" in said or "no conversation reference" in said:
        return "they have not installed the bot"
    if "slack" in said:
        return "Slack could not be reached"
    if any(code in said for code in ("403", "404", "forbidden", "not found", "removed")):
        return "Teams says the app was removed"
    if "no answer from" in said or "timeout" in said:
        return "Teams did not answer in time"
    return "Teams could not be reached"


def _signalled(found: Iterable[Mapping[str, frozenset[int]]]) -> dict[str, frozenset[int]]:
    combined: dict[str, frozenset[int]] = {}
    for each in found:
        for what, ids in each.items():
            combined[what] = combined.get(what, frozenset()) | ids
    return combined


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
    context.signalled = _signalled(part.signalled(context) for part in parts.values())
    return Review(
        context=context,
        parts=parts,
        reads=tuple(await reads(session, team.id, day)),
        supervised=await sergeant_teams(session, [s.id for s in sergeants]),
    )
