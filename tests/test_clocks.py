"""The safety inbox's clocks: day 0 is the earlier of platform time and first seen; due is day 0 plus business
days (Monday to Friday in the configured zone, minus holidays), overdue from the end of that day."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from socialpub.clocks import day_zero, due_at, due_date, is_business_day

ZONES = [ZoneInfo(name) for name in ("UTC", "America/New_York", "Europe/Berlin", "Australia/Lord_Howe",
                                      "Pacific/Kiritimati", "America/Santiago", "Asia/Kathmandu")]
moments = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2040, 12, 31), timezones=st.just(UTC))
holiday_sets = st.frozensets(st.dates(min_value=date(1999, 12, 1), max_value=date(2041, 2, 1)), max_size=40)


def test_a_friday_evening_comment_is_due_at_the_end_of_monday_in_the_configured_zone() -> None:
    zone = ZoneInfo("America/New_York")
    friday_evening = datetime(2026, 12, 4, 22, 30, tzinfo=zone)  # Saturday already in UTC
    assert due_date(friday_evening, 1, zone) == date(2026, 12, 7)
    assert due_at(friday_evening, 1, zone) == datetime(2026, 12, 8, 0, 0, tzinfo=zone).astimezone(UTC)


def test_a_weekend_comment_counts_from_the_next_business_day_and_skips_holidays() -> None:
    zone = ZoneInfo("Europe/Berlin")
    christmas_eve = datetime(2026, 12, 24, 10, tzinfo=zone)  # Thursday
    holidays = {date(2026, 12, 25), date(2026, 12, 28)}
    assert due_date(christmas_eve, 1, zone, holidays) == date(2026, 12, 29)  # Fri and Mon off, weekend between
    saturday = datetime(2026, 12, 5, 9, tzinfo=zone)
    assert due_date(saturday, 0, zone) == date(2026, 12, 7)
    assert due_date(saturday, 1, zone) == date(2026, 12, 7)  # no later than a comment of Friday evening
    assert due_date(saturday, 2, zone) == date(2026, 12, 8)
    assert due_date(datetime(2026, 12, 7, 9, tzinfo=zone), 0, zone) == date(2026, 12, 7)


def test_day_zero_is_the_earlier_time_so_a_watcher_that_was_down_shows_lost_time() -> None:
    posted = datetime(2026, 12, 1, 9, tzinfo=UTC)
    seen_late = datetime(2026, 12, 4, 9, tzinfo=UTC)
    assert day_zero(posted, seen_late) == posted
    assert day_zero(None, seen_late) == seen_late
    assert day_zero(seen_late + timedelta(hours=1), seen_late) == seen_late  # a platform clock ahead of ours


@settings(max_examples=300, deadline=None)
@given(start=moments, days=st.integers(0, 10), zone=st.sampled_from(ZONES), holidays=holiday_sets)
def test_due_is_a_business_day_after_day_zero(start: datetime, days: int, zone: ZoneInfo,
                                              holidays: frozenset[date]) -> None:
    day = due_date(start, days, zone, holidays)
    assert is_business_day(day, holidays)
    assert day.weekday() < 5 and day not in holidays
    deadline = due_at(start, days, zone, holidays)
    assert deadline > start
    assert (deadline - timedelta(microseconds=1)).astimezone(zone).date() == day  # the end of that very day
    local = start.astimezone(zone).date()
    if days:  # exactly `days` business days after day 0's date, the due date the last of them
        between = sum(is_business_day(local + timedelta(days=n), holidays) for n in range(1, (day - local).days + 1))
        assert between == days
    else:  # day 0's date, or the first business day after it
        assert day >= local and not any(is_business_day(local + timedelta(days=n), holidays)
                                        for n in range((day - local).days))


@settings(max_examples=300, deadline=None)
@given(a=moments, b=moments, days=st.integers(0, 5), zone=st.sampled_from(ZONES), holidays=holiday_sets)
def test_due_is_monotonic_in_day_zero_and_in_the_allowance(a: datetime, b: datetime, days: int, zone: ZoneInfo,
                                                           holidays: frozenset[date]) -> None:
    early, late = min(a, b), max(a, b)
    assert due_at(early, days, zone, holidays) <= due_at(late, days, zone, holidays)
    more = due_at(early, days + 1, zone, holidays)
    assert due_at(early, days, zone, holidays) < more if days else due_at(early, 0, zone, holidays) <= more
