"""Workflows: one module per workflow. A new workflow is a new module plus one line here."""

from __future__ import annotations

from dialogs import (
    away,
    briefing,
    bwv,
    guidance,
    my_week,
    one_to_one,
    pcso_returns,
    retention,
    returns,
    review,
    rollup,
    tasking,
)
from dialogs import help as help_
from dialogs.router import Router

WORKFLOWS = (
    help_,
    briefing,
    away,
    bwv,
    pcso_returns,
    my_week,
    tasking,
    returns,
    review,
    one_to_one,
    rollup,
    guidance,
    retention,
)


def build_router() -> Router:
    router = Router()
    for workflow in WORKFLOWS:
        workflow.register(router)
    return router
