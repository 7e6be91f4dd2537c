"""The morning review card: exceptions first, then each workflow's sections; one line when
there is nothing to report. The "Reviewed" button shows until the viewer has marked this
review as read."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from dialogs.core import Action, Card, Section
from dialogs.review.view import Review
from dialogs.wording import local_hhmm, short_day

VERB = "review.ack"


def review_card(review: Review, viewer_id: int, zone: ZoneInfo, *, said: str | None = None) -> Card:
    """The card for `viewer_id`; `said` is added under who reviewed it (e.g. that a second
    "Reviewed" was already recorded)."""
    team, day = review.team, review.days.day
    title = f"Morning review: {team.name}, {short_day(day)}"
    if review.nothing_to_report:
        sections: tuple[Section, ...] = (
            Section(lines=("Nothing to report: no answers, tasks, returns or flags recorded.",)),
        )
    else:
        attention = review.attention() or ("No exceptions.",)
        sections = (
            Section(heading="Needs your attention", lines=attention),
            *review.sections(),
        )
    read_by = [p.id for p, _ in review.reads]
    if review.reads:
        seen = "; ".join(f"{p.name} at {local_hhmm(at, zone)}" for p, at in review.reads)
        lines = (f"Reviewed by {seen}.", said) if said else (f"Reviewed by {seen}.",)
        sections = (*sections, Section(lines=lines))
    actions: tuple[Action, ...] = ()
    if viewer_id not in read_by:
        data = {"verb": VERB, "team": team.name, "date": day.isoformat()}
        actions = (Action("Reviewed", data, style="positive"),)
    return Card(title=title, sections=sections, actions=actions)
