"""The BWV reminder card and the guidance it carries."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from dialogs.bwv.models import BWV_STATUSES, BwvAnswer
from dialogs.core import Action, Card, Section
from dialogs.officer_day import BWV_CATEGORY
from dialogs.wording import local_hhmm, short_day

VERB = "bwv.confirm"
SHOW = "bwv.show"  # read-only: the card as it now stands (a card's refresh)
GUIDANCE = (
    "Categorise all of today's body-worn video footage before you go off duty.",
    f"Where you engaged with a vulnerable person and no offence was disclosed, use the category "
    f'"{BWV_CATEGORY}", so the footage is kept and can be reviewed.',
    "Not sure? Tap Need help (or type need help) and your sergeant will be told.",
)
TITLES = {"categorised": "Categorised", "no_footage": "No footage today", "need_help": "Need help"}
BUTTONS = {"categorised": "Categorised", "no_footage": "No footage", "need_help": "Need help"}
"""Short enough for three to a row on a phone; the guidance above says what each means."""


def guidance_sections() -> tuple[Section, ...]:
    return (Section(lines=GUIDANCE),)


def reminder_card(
    day: date,
    current: BwvAnswer | None,
    zone: ZoneInfo,
    told: str | None = None,
    *,
    said: str | None = None,
) -> Card:
    """The reminder; once answered, what was recorded and when (and `said`, e.g. that the
    same answer sent again was already recorded)."""
    sections = [Section(facts=(("Day", short_day(day)),)), *guidance_sections()]
    if current is not None:
        facts = (
            ("Your answer", TITLES[current.bwv_status]),
            ("Recorded at", local_hhmm(current.answered_at, zone)),
        )
        sections.append(Section(heading="Recorded", facts=facts))
        after = told or "Tap another answer to change it."
        sections.append(Section(lines=(said, after) if said else (after,)))
    data = {"verb": VERB, "day": day.isoformat()}
    actions = tuple(
        Action(
            BUTTONS[status],
            {**data, "bwv_status": status},
            style="positive" if status == "categorised" else "default",
        )
        for status in BWV_STATUSES
    )
    return Card(
        title="Body-worn video: categorise your footage",
        sections=tuple(sections),
        actions=actions,
        summary="Body-worn video: categorise today's footage"
        if current is None
        else f"Body-worn video: {TITLES[current.bwv_status].lower()}",
        refresh={"verb": SHOW, "day": day.isoformat()},
    )
