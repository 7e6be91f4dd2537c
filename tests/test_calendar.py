"""Working days, bank holidays and local times across the clock changes (unit tests)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from dialogs.calendar import (
    at_local,
    briefing_days_back,
    briefing_days_between,
    first_briefing_day_of_month,
    format_days,
    is_bank_holiday,
    is_briefing_day,
    next_briefing_day,
    parse_days,
    previous_briefing_day,
)
from dialogs.jobs import Job, due_occurrences, next_occurrence
from storage.models import Team

LONDON = ZoneInfo("Europe/London")


def team(**fields) -> Team:  # type: ignore[no-untyped-def]
    values = {
        "name": "T",
        "district": "D",
        "briefing_days": "mon,tue,wed,thu,fri",
        "briefing_on_bank_holidays": False,
    }
    values.update(fields)
    return Team(**values)


def test_bank_holidays_of_england_and_wales():
    assert is_bank_holiday(date(2026, 12, 25))
    assert is_bank_holiday(date(2026, 12, 28))  # Boxing Day substitute (26th is a Saturday)
    assert is_bank_holiday(date(2026, 8, 31))  # summer bank holiday (England and Wales)
    assert not is_bank_holiday(date(2026, 8, 3))  # Scotland's, not ours
    assert not is_bank_holiday(date(2026, 12, 1))


def test_briefing_days_skip_weekends_and_bank_holidays_unless_opted_in():
    weekday_team = team()
    assert is_briefing_day(weekday_team, date(2026, 12, 1))
    assert not is_briefing_day(weekday_team, date(2026, 12, 5))  # Saturday
    assert not is_briefing_day(weekday_team, date(2026, 12, 25))
    assert is_briefing_day(team(briefing_on_bank_holidays=True), date(2026, 12, 25))
    assert previous_briefing_day(weekday_team, date(2026, 12, 29)) == date(2026, 12, 24)
    assert first_briefing_day_of_month(weekday_team, 2027, 1) == date(
        2027, 1, 4
    )  # 1st is a holiday
    assert briefing_days_back(weekday_team, date(2026, 12, 7), 3) == [
        date(2026, 12, 7),
        date(2026, 12, 4),
        date(2026, 12, 3),
    ]


def test_parse_days_names_a_bad_day():
    assert parse_days("mon, wed,fri") == {0, 2, 4}
    with pytest.raises(ValueError, match="funday"):
        parse_days("mon,funday")


def test_parse_days_takes_ranges_and_full_names():
    assert parse_days("mon-fri") == {0, 1, 2, 3, 4}
    assert parse_days("Monday-Wednesday, sat") == {0, 1, 2, 5}
    assert format_days(parse_days("sunday,mon-tue")) == "mon,tue,sun"
    with pytest.raises(ValueError, match="must run forwards"):
        parse_days("fri-mon")


def test_next_briefing_day_and_briefing_days_between_skip_weekends_and_bank_holidays():
    weekdays = team()
    assert next_briefing_day(weekdays, date(2026, 12, 24)) == date(2026, 12, 29)
    assert briefing_days_between(weekdays, date(2026, 12, 24), date(2026, 12, 29)) == [
        date(2026, 12, 24),
        date(2026, 12, 29),
    ]


@pytest.mark.parametrize(
    ("day", "expected_utc"),
    [
        (date(2026, 3, 27), datetime(2026, 3, 27, 8, 0, tzinfo=UTC)),  # Friday, GMT
        (date(2026, 3, 30), datetime(2026, 3, 30, 7, 0, tzinfo=UTC)),  # Monday, BST
        (date(2026, 10, 23), datetime(2026, 10, 23, 7, 0, tzinfo=UTC)),  # Friday, BST
        (date(2026, 10, 26), datetime(2026, 10, 26, 8, 0, tzinfo=UTC)),  # Monday, GMT
    ],
)
def test_eight_oclock_local_across_clock_changes(day, expected_utc):
    assert at_local(day, time(8, 0), LONDON) == expected_utc


def test_nonexistent_and_ambiguous_local_times():
    assert at_local(date(2026, 3, 29), time(1, 30), LONDON) == datetime(
        2026, 3, 29, 1, 30, tzinfo=UTC
    )
    assert at_local(date(2026, 10, 25), time(1, 30), LONDON) == datetime(
        2026, 10, 25, 0, 30, tzinfo=UTC
    )


def test_due_occurrences_and_next_fire_time():
    async def nothing(_context):  # type: ignore[no-untyped-def]
        return 0

    weekday_team = team()
    job = Job(
        name="j",
        run=nothing,
        due=lambda t, d: time(8, 0) if is_briefing_day(t, d) else None,
        grace=timedelta(hours=1),
    )
    summer = datetime(2026, 7, 1, 7, 0, tzinfo=UTC)  # 08:00 BST
    assert [o.day for o in due_occurrences(job, weekday_team, summer, LONDON)] == [date(2026, 7, 1)]
    assert list(due_occurrences(job, weekday_team, summer - timedelta(minutes=1), LONDON)) == []
    assert list(due_occurrences(job, weekday_team, summer + timedelta(hours=1), LONDON)) == []
    friday_evening = datetime(2026, 10, 23, 18, 0, tzinfo=UTC)
    assert next_occurrence(job, weekday_team, friday_evening, LONDON) == datetime(
        2026, 10, 26, 8, 0, tzinfo=UTC
    )
    before_spring = datetime(2026, 3, 27, 12, 0, tzinfo=UTC)
    assert next_occurrence(job, weekday_team, before_spring, LONDON) == datetime(
        2026, 3, 30, 7, 0, tzinfo=UTC
    )
