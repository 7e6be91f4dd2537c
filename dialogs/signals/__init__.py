"""Signals for intrusive supervision: patterns over a rolling window of each team's
answers that a sergeant should raise with a PCSO, each shown with its evidence and never
as a verdict, until a sergeant marks it "discussed".

The thresholds are team settings (docs/guide.md, "Team settings", says why each default).
The API others call is `find_signals` and `discussed_signals` (`dialogs.signals.queries`),
and `signal_order` to put signals found apart in the order `find_signals` gives.
"""

from __future__ import annotations

from dialogs.records import whole
from dialogs.router import Router
from dialogs.signals import views
from dialogs.signals.handlers import TYPED, Handlers
from dialogs.signals.models import SignalDiscussion
from dialogs.signals.queries import (
    KINDS,
    Discussion,
    Evidence,
    Signal,
    discussed_signals,
    find_signals,
    signal_order,
)
from dialogs.supervision import REVIEWERS

__all__ = [
    "KINDS",
    "Discussion",
    "Evidence",
    "Signal",
    "SignalDiscussion",
    "discussed_signals",
    "find_signals",
    "register",
    "signal_order",
]


def register(router: Router) -> None:
    handlers = Handlers(router)
    router.command(
        "discussed",
        handlers.typed,
        roles=REVIEWERS,
        usage=TYPED,
        summary="mark a signal from the review discussed, with a note "
        "(e.g. discussed sil-p303-2026-12-01 Spoke with Morgan)",
    )
    router.verb(views.VERB, handlers.discussed, roles=REVIEWERS)
    router.review_section(90, "signals", views.load_review)
    router.period_section(45, views.load_period)
    router.export_rows(70, views.export_rows, columns=views.COLUMNS)
    router.team_setting("signal_window_days", whole(7, 90))
    router.team_setting("silent_days", whole(2, 20))
    router.team_setting("vulnerable_days", whole(2, 30))
    router.team_setting("vulnerable_window_days", whole(3, 60))
    router.team_setting("need_help_days", whole(2, 20))
