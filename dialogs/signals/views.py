"""Signals in the shared views: the review's "Needs your attention" (open signals, each
with a button to mark it discussed) and its details (the evidence), the one-to-one
preparation line (the month's signals, open and discussed) and the CSV export (the
discussions)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from dialogs.core import Action, Field, Section
from dialogs.records import ExportContext, Row
from dialogs.sections import (
    SIGNALLED_NEED_HELP,
    SIGNALLED_SILENT,
    PeriodContext,
    PeriodPart,
    ReviewContext,
    ReviewPart,
)
from dialogs.signals.kinds import (
    BWV_HELP_REPEATED,
    FOR_DISCUSSION,
    SILENT_KIND,
    TITLES,
    VULNERABLE_NO_VPC,
    VULNERABLE_REPEATED,
    Signal,
    day_span,
)
from dialogs.signals.models import SignalDiscussion
from dialogs.signals.queries import discussed_signals, find_signals
from dialogs.wording import local_hhmm, short_day
from storage.models import Officer

VERB = "signal.discussed"
NOTE_MAX = 1000
HOW = (
    "In the chat, mark each one discussed with its button on the review card, or type "
    "discussed KEY and your note."
)
COLUMNS = ("signal_key", "evidence")


def note_field() -> Field:
    return Field(
        "note",
        f"What was discussed (up to {NOTE_MAX} characters; no names of members of the public)",
        multiline=True,
        max_length=NOTE_MAX,
        required=True,
        error="Add a note of the discussion.",
    )


@dataclass(frozen=True)
class SignalsReview(ReviewPart):
    """The team's signals over its window ending the review's day."""

    signals: Sequence[Signal]

    @property
    def open(self) -> list[Signal]:
        return [s for s in self.signals if s.open]

    def signalled(self, review: ReviewContext) -> Mapping[str, frozenset[int]]:
        """Officers an open signal already reports: silent up to the review's day, and
        asked for BWV help on several days, the previous briefing day among them."""
        silent = {s.officer.id for s in self.open if s.kind == SILENT_KIND}
        prev = review.days.previous
        helped = {
            s.officer.id for s in self.open if s.kind == BWV_HELP_REPEATED and s.last_day == prev
        }
        return {SIGNALLED_SILENT: frozenset(silent), SIGNALLED_NEED_HELP: frozenset(helped)}

    def flags(self, review: ReviewContext) -> Sequence[tuple[int, str]]:
        """One short line per kind of open signal (the evidence is under Details), so the
        review stays one phone screen."""
        by_kind: dict[str, list[Signal]] = {}
        for signal in self.open:
            by_kind.setdefault(signal.kind, []).append(signal)
        return [
            (
                found[0].urgency,
                f"{TITLES[kind]} {FOR_DISCUSSION}: " + "; ".join(map(_brief_review, found)),
            )
            for kind, found in by_kind.items()
        ]

    def reports(self, review: ReviewContext) -> bool:
        return bool(self.signals)

    def sections(self, review: ReviewContext) -> Sequence[Section]:
        """Each open signal with its evidence, its key and a button to mark it discussed;
        then those discussed, with the note."""
        if not self.signals:
            return ()
        day = review.days.day.isoformat()
        found = [
            Section(
                lines=(_evidence_line(s),),
                actions=(
                    Action(
                        f"Mark {s.officer.collar} discussed",
                        {"verb": VERB, "key": s.key, "team": review.team.name, "date": day},
                        fields=(note_field(),),
                        submit="Record discussed",
                    ),
                ),
            )
            for s in self.open
        ]
        talked = tuple(_discussed_line(s, review) for s in self.signals if not s.open)
        if talked:
            found.append(Section(lines=talked))
        heading = Section(heading="Signals (for discussion)", lines=(HOW,) if self.open else ())
        return (heading, *found)


def _brief_review(signal: Signal) -> str:
    """'Jordan Patel (P302), 2 days': who, and how many days (the VPC one: which day)."""
    if signal.kind == VULNERABLE_NO_VPC:
        return f"{signal.officer.label}, {short_day(signal.last_day)}"
    count = len(signal.evidence)
    if signal.kind == VULNERABLE_REPEATED:
        return f"{signal.officer.label}, {count} days in {signal.team.vulnerable_window_days}"
    return f"{signal.officer.label}, {count} day{'s' if count != 1 else ''}"


def _evidence_line(signal: Signal) -> str:
    said = "; ".join(f"{short_day(e.day)}: {e.text}" for e in signal.evidence)
    return f"{signal.officer.label} — {TITLES[signal.kind]} [{signal.key}]: {said}"


def _discussed_line(signal: Signal, review: ReviewContext) -> str:
    assert signal.discussion is not None
    talk = signal.discussion
    when = f"{short_day(talk.at.astimezone(review.zone).date())} {local_hhmm(talk.at, review.zone)}"
    return (
        f"Discussed: {signal.officer.label} — {TITLES[signal.kind]} "
        f"({day_span(signal.first_day, signal.last_day)}), by {talk.by} on {when}: {talk.note}"
    )


async def load_review(review: ReviewContext) -> ReviewPart:
    found = await find_signals(
        review.session, [review.team], today=review.days.day, zone=review.zone
    )
    return SignalsReview(found)


@dataclass(frozen=True)
class SignalsPeriod(PeriodPart):
    """Each officer's signals over the period (open and discussed), for the one-to-one."""

    signals: Sequence[Signal]

    def officer(self, member: Officer, period: PeriodContext) -> str | None:
        mine = [s for s in self.signals if s.officer.id == member.id]
        if not mine:
            return None
        return "signals (for discussion): " + ", ".join(_brief(s, period) for s in mine)


def _brief(signal: Signal, period: PeriodContext) -> str:
    """'BWV need help on 2 days, Mon 2 Nov–Wed 4 Nov 2026 (open)'."""
    count, span = len(signal.evidence), day_span(signal.first_day, signal.last_day)
    plural = "s" if count != 1 else ""
    if signal.kind == VULNERABLE_NO_VPC:
        footage = signal.evidence[-1].text.rsplit("BWV: ", 1)[-1] if signal.evidence else ""
        words = f"vulnerable contact with BWV {footage}, {span}"
    elif signal.kind == SILENT_KIND:
        words = f"no briefing answer {count} briefing day{plural} running, {span}"
    elif signal.kind == BWV_HELP_REPEATED:
        words = f"BWV need help on {count} day{plural}, {span}"
    else:
        words = f"vulnerable contact on {count} day{plural} with no tasking reference, {span}"
    if signal.discussion is None:
        return f"{words} (open)"
    return f"{words} (discussed {short_day(signal.discussion.at.astimezone(period.zone).date())})"


async def load_period(period: PeriodContext) -> PeriodPart:
    """The signals whose evidence falls in the period, as they stand the day after it
    (when the period's last day is over) or today, and any discussed during it."""
    if not period.days:
        return SignalsPeriod(())
    asked = min(period.last + timedelta(days=1), period.today)
    found = await find_signals(period.session, [period.team], today=asked, zone=period.zone)
    seen = {s.key for s in found}
    talked = await discussed_signals(
        period.session, [period.team], first=period.first, last=period.last, zone=period.zone
    )
    in_period = [s for s in found if s.last_day >= period.first and s.first_day <= period.last]
    return SignalsPeriod([*in_period, *(s for s in talked if s.key not in seen)])


async def export_rows(export: ExportContext) -> list[Row]:
    """Each discussion whose evidence ends in the export's dates (`day` is that last day)."""
    scope, names = export.scope, export.names
    query = select(SignalDiscussion).where(
        SignalDiscussion.through_day >= scope.first, SignalDiscussion.through_day <= scope.last
    )
    if scope.team_id is not None:
        query = query.where(SignalDiscussion.team_id == scope.team_id)
    rows = await export.session.scalars(
        query.order_by(SignalDiscussion.through_day, SignalDiscussion.id)
    )
    return [
        {
            "record_type": "signal_discussed",
            "record_id": row.id,
            "day": row.through_day,
            "team": names.team(row.team_id),
            "collar_number": names.collar(row.officer_id),
            "name": names.name(row.officer_id),
            "value": row.kind,
            "note": row.note,
            "signal_key": row.key,
            "evidence": "; ".join(f"{e['day']}: {e['text']}" for e in row.evidence or ()),
            "recorded_by": names.collar(row.discussed_by_id),
            "recorded_at": row.discussed_at,
            "latest": True,
        }
        for row in rows
    ]
