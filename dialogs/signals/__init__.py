"""Signals for intrusive supervision: patterns over a rolling window of each team's
answers that a sergeant should raise with a PCSO, each shown with its evidence and never
as a verdict, until a sergeant marks it "discussed".

The thresholds are team settings (docs/guide.md, "Team settings", says why each default).
"""

from __future__ import annotations

from dialogs.records import whole
from dialogs.router import Router
from dialogs.signals.models import SignalDiscussion

__all__ = ["SignalDiscussion", "register"]


def register(router: Router) -> None:
    router.team_setting("signal_window_days", whole(7, 90))
    router.team_setting("silent_days", whole(2, 20))
    router.team_setting("vulnerable_days", whole(2, 30))
    router.team_setting("vulnerable_window_days", whole(3, 60))
    router.team_setting("need_help_days", whole(2, 20))
