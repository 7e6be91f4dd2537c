"""Workflow 8: `vulnerability` — the AWARE prompt, the two meanings of "vulnerable", and
the force's 24-hour referral contact (the `PCSO_REFERRAL_CONTACT` setting).

The IOPC asked that officers and staff know the difference between a "vulnerable adult"
as the College of Policing defines it and a person vulnerable to an abuse of position for
a sexual purpose, which is a much wider group.
"""

from __future__ import annotations

import re

from dialogs.core import Card, Reply, Section, Turn
from dialogs.officer_day import BWV_CATEGORY
from dialogs.router import Router

AWARE = (
    ("Appearance", "How do they look? Injuries, neglect, distress, intoxication, clothing."),
    ("Words", "What do they say, or avoid saying? Who speaks for them?"),
    ("Activity", "What are they doing, and is it usual for them, the place or the time?"),
    (
        "Relationships and dynamics",
        "Who are they with, and who has power or control over whom?",
    ),
    ("Environment", "Where are they? Is the place safe, and who else is there?"),
)
VULNERABLE_ADULT = (
    'A "vulnerable adult" (College of Policing): a person is vulnerable if, as a result of '
    "their situation or circumstances, they are unable to take care of or protect themselves "
    "or others from harm or exploitation. This is the test for safeguarding and referrals."
)
ABUSE_OF_POSITION = (
    "Vulnerable to an abuse of position for a sexual purpose (College of Policing guidance "
    "on maintaining professional boundaries): a much wider group. Anyone you meet through "
    "your work who could be open to an abuse of trust or power: victims and witnesses, "
    "especially of domestic or sexual abuse, people in distress or crisis, with mental "
    "ill-health or learning difficulties, dependent on drugs or alcohol, or lonely and "
    "isolated. They need not be a vulnerable adult, and it may be temporary."
)
BOUNDARIES = (
    "Never use your role to pursue a sexual or improper emotional relationship. Keep contact "
    "to what the work needs, record it, and categorise the body-worn video footage "
    f'"{BWV_CATEGORY}" where no offence was disclosed.'
)


def register(router: Router) -> None:
    router.command(
        "vulnerability",
        vulnerability,
        summary="the AWARE prompt, who counts as vulnerable, and the 24-hour referral contact",
    )
    router.command("vulnerable", vulnerability, listed=False)
    router.command("aware", vulnerability, listed=False)


PHONE = re.compile(r"\+?\d[\d ()-]{5,}\d")


def referral(contact: str) -> Section:
    """The 24-hour referral contact, first on the card: with a phone number in it, a
    button that calls it."""
    found = PHONE.search(contact)
    number = re.sub(r"[^\d+]", "", found.group()) if found else ""
    return Section(
        heading="24-hour tactical advice and referrals",
        lines=(contact,),
        links=((f"Call {found.group().strip()}", f"tel:{number}"),) if found else (),
    )


async def vulnerability(turn: Turn) -> list[Reply]:
    card = Card(
        title="Vulnerability: AWARE and professional boundaries",
        sections=(
            referral(turn.settings.referral_contact),
            Section(
                heading="AWARE: be professionally curious",
                lines=("Not a checklist: a way to see the bigger picture.",),
                facts=AWARE,
            ),
            Section(heading="Two meanings of vulnerable", lines=(VULNERABLE_ADULT,)),
            Section(lines=(ABUSE_OF_POSITION, BOUNDARIES)),
        ),
    )
    return [Reply(card=card)]
