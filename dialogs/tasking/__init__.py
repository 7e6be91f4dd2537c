"""Workflow 2a: the team leader's daily tasking, eight tasks a day at most.

Tasking provides the day's tasks to the other workflows of its router (`router.tasks`): the
team returns report on each of them.
"""

from __future__ import annotations

from dialogs.router import Router
from dialogs.supervision import POSTERS
from dialogs.tasking import handlers, views
from dialogs.tasking.queries import TASKS


def register(router: Router) -> None:
    router.command(
        "tasking",
        handlers.show_tasking,
        roles=POSTERS,
        usage="tasking [TEAM]",
        summary="post today's tasks for your team (a card with up to eight tasks)",
    )
    router.command(
        "task",
        handlers.typed_task,
        roles=POSTERS,
        usage=handlers.TYPED_USAGE,
        summary="add one task typed, e.g. task Patrol town centre | OSARA-22 | P301, P302",
    )
    router.verb(handlers.VERB, handlers.submit_tasking, roles=POSTERS)
    router.tasks.provide(TASKS)
    router.export_rows(20, views.export_rows, columns=views.COLUMNS)
