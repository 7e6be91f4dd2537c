"""Workflows: one module per workflow. A new workflow is a new module plus one line here."""

from __future__ import annotations

from dialogs import help as help_
from dialogs.router import Router

WORKFLOWS = (help_,)


def build_router() -> Router:
    router = Router()
    for workflow in WORKFLOWS:
        workflow.register(router)
    return router
