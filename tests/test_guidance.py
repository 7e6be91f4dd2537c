"""`vulnerability` guidance and role-aware `help` (docs/guide.md, "Guidance")."""

from __future__ import annotations

from typing import Any

import pytest

from dialogs.guidance import referral
from tests.rig.connector import FakeConnector
from tests.rig.officer_day import officers_of
from tests.rig.teams import TeamsUser, card_texts

CONTACT = "Central Referral Unit, 24 hours: 01622 000000"


@pytest.fixture
async def bot_url(start_bot: Any) -> str:
    return await start_bot(referral_contact=CONTACT)


@pytest.fixture
def people(sample_roster, teams_user, connector: FakeConnector) -> dict[str, TeamsUser]:
    return officers_of(sample_roster, teams_user, connector)


async def test_vulnerability_gives_aware_both_definitions_and_the_referral_contact(people):
    for collar in ("P301", "S101"):
        seen = (await people[collar].say("vulnerability")).all_text()
        for word in (
            "Appearance",
            "Words",
            "Activity",
            "Relationships and dynamics",
            "Environment",
        ):
            assert f"{word}: " in seen
        assert 'A "vulnerable adult" (College of Policing)' in seen
        assert "unable to take care of or protect themselves or others from harm" in seen
        assert "abuse of position for a sexual purpose" in seen
        assert "They need not be a vulnerable adult" in seen
        assert "Vulnerable person concern – no offence disclosed" in seen
        assert CONTACT in seen


async def test_vulnerability_leads_with_the_referral_contact_one_tap_to_call(people):
    card = (await people["P301"].say("vulnerability")).cards[0]
    assert card_texts(card)[1:3] == ["24-hour tactical advice and referrals", CONTACT]
    call = card["body"][3]
    assert call == {
        "type": "ActionSet",
        "actions": [
            {"type": "Action.OpenUrl", "title": "Call 01622 000000", "url": "tel:01622000000"}
        ],
    }


def test_a_referral_contact_without_a_number_is_shown_first_without_a_call_button():
    section = referral("Central Referral Unit (24 hours): call via the force control room")
    assert section.links == ()
    assert section.lines == ("Central Referral Unit (24 hours): call via the force control room",)
    assert referral("CRU: +44 (0)1622 690 690").links == (
        ("Call +44 (0)1622 690 690", "tel:+4401622690690"),
    )


HELP_LINES = {
    "P301": ({"vulnerability", "bwv"}, {"tasking", "returns", "review", "one-to-one", "rollup"}),
    "TL201": ({"tasking [TEAM]", "task DESCRIPTION", "returns [TEAM]"}, {"review", "rollup"}),
    "S101": ({"tasking [TEAM]", "review [TEAM] [DATE]", "one-to-one COLLAR"}, {"rollup"}),
    "I501": ({"review [TEAM] [DATE]", "rollup [DISTRICT]", "one-to-one COLLAR"}, {"tasking"}),
    "A001": ({"review [TEAM] [DATE]", "rollup [DISTRICT]"}, {"tasking", "one-to-one"}),
}


@pytest.mark.parametrize("collar", sorted(HELP_LINES))
async def test_help_lists_what_each_role_can_do(people, collar):
    lines = (await people[collar].say("help")).all_text().split("\n")
    usages = {line.split(" — ")[0] for line in lines if " — " in line}
    shown, hidden = HELP_LINES[collar]
    for usage in shown:
        assert any(u.startswith(usage) for u in usages), (collar, usage, usages)
    for usage in hidden:
        assert not any(u.startswith(usage) for u in usages), (collar, usage, usages)
