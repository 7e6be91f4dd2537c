"""The BWV reminder card and the guidance it carries.

Two questions, each one tap: the category answer for the day's footage, and whether the
officer engaged with a vulnerable person (the link the IOPC case turned on). Either may be
answered first; the card shows what is recorded for both.
"""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from dialogs.bwv.models import BWV_STATUSES, VULNERABLE_CONTACT, BwvAnswer
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
VULNERABLE_QUESTION = "Did you engage with a vulnerable person today?"
VULNERABLE_TITLES = {"yes": "Yes", "no": "No"}
NOT_YET = "not answered yet"


def guidance_sections() -> tuple[Section, ...]:
    return (Section(lines=GUIDANCE),)


def status_title(answer: BwvAnswer | None) -> str:
    """The category answer in words, or that none is given yet."""
    if answer is None or answer.bwv_status is None:
        return NOT_YET
    return TITLES[answer.bwv_status]


def vulnerable_title(answer: BwvAnswer | None) -> str:
    if answer is None or answer.vulnerable_contact is None:
        return NOT_YET
    return VULNERABLE_TITLES[answer.vulnerable_contact]


def reminder_card(
    day: date,
    current: BwvAnswer | None,
    zone: ZoneInfo,
    told: str | None = None,
    *,
    said: str | None = None,
) -> Card:
    """The reminder; once answered, what was recorded for both questions and when (and
    `said`, e.g. that the same answer sent again was already recorded)."""
    sections = [Section(facts=(("Day", short_day(day)),)), *guidance_sections()]
    if current is not None:
        facts = (
            ("Your answer", status_title(current)),
            ("Vulnerable contact", vulnerable_title(current)),
            ("Recorded at", local_hhmm(current.answered_at, zone)),
        )
        sections.append(Section(heading="Recorded", facts=facts))
        after = told or "Tap another answer to change it."
        sections.append(Section(lines=(said, after) if said else (after,)))
    data = {"verb": VERB, "day": day.isoformat()}
    categories = tuple(
        Action(
            BUTTONS[status],
            {**data, "bwv_status": status},
            style="positive" if status == "categorised" else "default",
        )
        for status in BWV_STATUSES
    )
    vulnerable = tuple(
        Action(VULNERABLE_TITLES[said_], {**data, "vulnerable_contact": said_})
        for said_ in VULNERABLE_CONTACT
    )
    sections.append(Section(heading="Today's footage", actions=categories))
    sections.append(
        Section(heading="Vulnerable person", lines=(VULNERABLE_QUESTION,), actions=vulnerable)
    )
    return Card(
        title="Body-worn video: categorise your footage",
        sections=tuple(sections),
        summary="Body-worn video: categorise today's footage"
        if current is None
        else f"Body-worn video: {summary_words(current)}",
        refresh={"verb": SHOW, "day": day.isoformat()},
    )


def summary_words(answer: BwvAnswer) -> str:
    """'categorised; vulnerable contact yes' (what is recorded, for the notification)."""
    words = []
    if answer.bwv_status is not None:
        words.append(TITLES[answer.bwv_status].lower())
    if answer.vulnerable_contact is not None:
        words.append(f"vulnerable contact {answer.vulnerable_contact}")
    return "; ".join(words)
