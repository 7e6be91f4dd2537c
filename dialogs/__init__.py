"""Workflows: one package per workflow. A new workflow is a new package plus one name here.

Importing `dialogs` imports every workflow package, so every mapped class is on
`storage.models.Base.metadata` before it is used. The order is the order of registration:
of commands in `help`, of jobs in the scheduler, of team settings in the settings file.
"""

from __future__ import annotations

import functools
from importlib import import_module

from dialogs.router import Router, Views

WORKFLOWS = tuple(
    import_module(f"dialogs.{name}")
    for name in (
        "help",
        "briefing",
        "away",
        "bwv",
        "pcso_returns",
        "my_week",
        "tasking",
        "returns",
        "review",
        "signals",
        "one_to_one",
        "rollup",
        "guidance",
        "retention",
    )
)


def build_router() -> Router:
    router = Router()
    for workflow in WORKFLOWS:
        workflow.register(router)
    return router


@functools.cache
def registered() -> Views:
    """Every workflow's parts of the shared views (for the views used outside a router:
    the export, the team settings file, and `load_review` by default)."""
    return build_router().views
