"""The service's one clock.

Everything that needs "now" on a request or job path (turns, jobs, the outbox's claims and
leases, conversation references, the audit log, retention) takes it from the `Clock` that
`create_app` (or the CLI's job runner) was given, and passes the instant down as an argument;
storage functions never read the time themselves. Tests inject their own clock; in
production it is `system_clock`, the only place that reads the wall clock.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """The wall clock, as an aware UTC datetime."""
    return datetime.now(UTC)
