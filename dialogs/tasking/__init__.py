"""Workflow 2a: the team leader's daily tasking, eight tasks a day at most.

Tasking provides the day's tasks to the other workflows of its router (`router.tasks`): the
team returns report on each of them. What they record against a day's tasks
(`router.task_uses`) keeps that day's tasking from being replaced.
"""

from __future__ import annotations

from dialogs.router import Router
from dialogs.supervision import POSTERS
from dialogs.tasking import handlers, views
from dialogs.tasking.cards import VERB
from dialogs.tasking.queries import TASKS


def register(router: Router) -> None:
    tasking = handlers.Handlers(router.task_uses)
    router.command(
        "tasking",
        tasking.show_tasking,
        roles=POSTERS,
        usage="tasking [TEAM]",
        summary="post or change today's tasks for your team (a card with up to eight tasks)",
    )
    router.command(
        "task",
        tasking.typed_task,
        roles=POSTERS,
        usage=handlers.TYPED_USAGE,
        summary="add one task typed, e.g. task Patrol town centre | OSARA-22 | P301, P302",
    )
    router.verb(VERB, tasking.submit, roles=POSTERS)
    router.tasks.provide(TASKS)
    router.export_rows(20, views.export_rows, columns=views.COLUMNS)
