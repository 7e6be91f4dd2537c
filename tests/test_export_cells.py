"""Export cells: free text typed by officers must not become a spreadsheet formula."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from dialogs.export import _cell


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ('=HYPERLINK("http://x","click")', '\'=HYPERLINK("http://x","click")'),
        ("+44 1622 000000", "'+44 1622 000000"),
        ("-1 patrol missed", "'-1 patrol missed"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\tindented", "'\tindented"),
        ("Patrol town centre", "Patrol town centre"),
        (12, "12"),
        (True, "true"),
        (None, ""),
        (date(2026, 12, 1), "2026-12-01"),
        (datetime(2026, 12, 1, 8, 5, tzinfo=UTC), "2026-12-01T08:05:00+00:00"),
    ],
)
def test_cells(value, written):
    assert _cell(value) == written
