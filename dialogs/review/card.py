"""The morning review card, one phone screen until expanded: a one-line tally, every
exception that needs action (most urgent first), who reviewed it and the "Reviewed" button
(until the viewer has marked this review as read); then each workflow's sections, folded
under "Details". One line when there is nothing to report."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from dialogs.core import Action, Card, Fold, Section
from dialogs.review.view import Review
from dialogs.wording import local_hhmm, short_day

VERB = "review.ack"
SHOW = "review.show"  # read-only: the card as it now stands (a card's refresh)


def review_card(review: Review, viewer_id: int, zone: ZoneInfo, *, said: str | None = None) -> Card:
    """The card for `viewer_id`; `said` is added under who reviewed it (e.g. that a second
    "Reviewed" was already recorded)."""
    team, day = review.team, review.days.day
    title = f"Morning review: {team.name}, {short_day(day)}"
    details: tuple[Fold, ...] = ()
    if review.nothing_to_report:
        sections: tuple[Section, ...] = (
            Section(lines=("Nothing to report: no answers, tasks, returns or flags recorded.",)),
        )
        summary = f"Morning review {team.name}: nothing to report"
    else:
        attention = review.attention()
        sections = (
            Section(lines=(review.tally(len(attention)),)),
            Section(heading="Needs your attention", lines=attention or ("No exceptions.",)),
        )
        details = (Fold("Details", sections=tuple(review.sections())),)
        summary = f"Morning review {team.name}: {len(attention)} need your attention"
    read_by = [p.id for p, _ in review.reads]
    if review.reads or said:
        seen = "; ".join(f"{p.name} at {local_hhmm(at, zone)}" for p, at in review.reads)
        lines = ((f"Reviewed by {seen}.",) if seen else ()) + ((said,) if said else ())
        sections = (*sections, Section(lines=lines))
    actions: tuple[Action, ...] = ()
    if viewer_id not in read_by:
        data = {"verb": VERB, "team": team.name, "date": day.isoformat()}
        actions = (Action("Reviewed", data, style="positive"),)
    return Card(
        title=title,
        sections=sections,
        actions=actions,
        details=details,
        summary=summary,
        refresh={"verb": SHOW, "team": team.name, "date": day.isoformat()},
        wide=True,
    )
