"""The `retention-purge` job: data older than `PCSO_RETENTION_DAYS` is deleted (docs/guide.md).

A mapped class opts in by naming the date or datetime column that dates a row in
`__retention__`, so a new workflow's tables are purged without a change here. Rows that
depend on a purged row go with it (ON DELETE CASCADE); tables are purged dependants first.
Sent and failed outbox rows are purged by the same age; processed activity ids, kept only
to recognise Teams' redeliveries, after a week.
"""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta
from typing import Any, cast

from sqlalchemy import Column, ColumnElement, Table, delete
from sqlalchemy.ext.asyncio import AsyncSession

from dialogs.calendar import at_local
from dialogs.jobs import Job, JobContext
from dialogs.router import Router
from storage.models import Base, Delivery, DeliveryStatus, ProcessedActivity

log = logging.getLogger(__name__)

NAME = "retention-purge"
PURGE_AT = time(2, 30)
PROCESSED_ID_TTL = timedelta(days=7)  # Teams redelivers within seconds; a week is ample


def register(router: Router) -> None:
    router.job(
        Job(
            name=NAME,
            run=purge,
            due=lambda _team, _day: PURGE_AT,
            grace=timedelta(days=1),  # cut short at midnight: any time that day
            per_team=False,
            summary=f"deletes data older than the retention period, daily at {PURGE_AT:%H:%M}",
        )
    )


def retained_tables() -> list[tuple[Table, Column[object]]]:
    """(table, dating column) of every class with `__retention__`, dependants first."""
    dated: dict[str, Column[object]] = {}
    for mapper in Base.registry.mappers:
        name = getattr(mapper.class_, "__retention__", None)
        if name:
            table = cast(Table, mapper.local_table)
            dated[table.name] = table.c[name]
    order = [t for t in reversed(Base.metadata.sorted_tables) if t.name in dated]
    return [(table, dated[table.name]) for table in order]


async def purge(context: JobContext) -> int:
    """Delete what is past retention; returns 0, as it records no deliveries."""
    day_cutoff = context.day - timedelta(days=context.settings.retention_days)
    instant_cutoff = at_local(day_cutoff, time(0), context.settings.zone)
    session = context.session
    for table, column in retained_tables():
        cutoff = instant_cutoff if _is_instant(column) else day_cutoff
        _report(table.name, await _delete(session, table, column < cutoff))
    finished = (DeliveryStatus.SENT.value, DeliveryStatus.FAILED.value)
    _report(
        "deliveries",
        await _delete(
            session, Delivery, Delivery.status.in_(finished) & (Delivery.day < day_cutoff)
        ),
    )
    _report(
        "processed_activities",
        await _delete(
            session,
            ProcessedActivity,
            ProcessedActivity.received_at < context.now - PROCESSED_ID_TTL,
        ),
    )
    return 0


def _is_instant(column: Column[object]) -> bool:
    return column.type.python_type is datetime


async def _delete(session: AsyncSession, target: Any, condition: ColumnElement[bool]) -> int:
    statement = delete(target).where(condition).execution_options(synchronize_session=False)
    result = await session.execute(statement)
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def _report(table: str, removed: int) -> None:
    if removed:
        log.info("retention purge: %d row(s) deleted from %s", removed, table)
