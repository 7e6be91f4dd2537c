"""The PCSO daily return card: the form, pre-filled with (and summarising) the last one."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from dialogs.core import Action, Card, Section
from dialogs.counts import NOTES_HINT, count_facts, count_fields, count_values, notes_field
from dialogs.pcso_returns.models import PcsoReturn
from dialogs.wording import local_hhmm, short_day

VERB = "pcso_return.submit"


def return_card(
    day: date, current: PcsoReturn | None, zone: ZoneInfo, *, said: str | None = None
) -> Card:
    """The return form, pre-filled with the last submission (which it also summarises; and
    `said`, e.g. that the same return sent again was already recorded)."""
    sections = [Section(lines=("Whole numbers from 0 to 999.", NOTES_HINT))]
    values = count_values(current) if current else None
    if current is not None:
        change = "To change it, edit the numbers and send again; the latest counts."
        sections.append(
            Section(
                heading=f"Recorded at {local_hhmm(current.submitted_at, zone)}",
                facts=count_facts(count_values(current)),
                lines=(said, change) if said else (change,),
            )
        )
    label = "Send changes" if current else "Send return"
    return Card(
        title=f"Your daily return: {short_day(day)}",
        sections=tuple(sections),
        fields=(*count_fields(values), notes_field(current.notes if current else None)),
        actions=(Action(label, {"verb": VERB, "day": day.isoformat()}, style="positive"),),
        summary=f"Your daily return for {short_day(day)}"
        + (": recorded" if current else " – tap to send"),
    )
