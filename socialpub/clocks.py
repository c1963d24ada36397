"""The safety inbox's clocks: day 0 of a comment, and when it is due at pharmacovigilance (PV).

Day 0 is the earlier of the comment's platform time and the moment `watch` first saw it: a company "learns"
of a comment when it is there to be seen, so a watcher that was down shows as lost time, not as a later clock.
It is due at the end of the `business_days`-th business day (Monday to Friday in the configured time zone,
minus holidays) after day 0's local date: with 1, a comment of Friday evening, Saturday or Sunday is due at
the end of Monday. With 0, at the end of day 0's date if that is a business day, else of the next one.
Everything here is pure: times in, times out.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, date, datetime, time, timedelta, tzinfo


def day_zero(platform_time: datetime | None, first_seen: datetime) -> datetime:
    """The earlier of the platform's time (when it gave one) and when socialpub first saw the comment."""
    if platform_time is None:
        return first_seen
    return min(platform_time.astimezone(UTC), first_seen.astimezone(UTC))


def is_business_day(day: date, holidays: Collection[date]) -> bool:
    return day.weekday() < 5 and day not in holidays


def due_date(start: datetime, business_days: int, zone: tzinfo, holidays: Collection[date] = ()) -> date:
    """The business day by whose end an item with day 0 `start` is due."""
    if business_days < 0:
        raise ValueError("business_days must not be negative")
    day = start.astimezone(zone).date()
    if business_days == 0:  # the same day, or the first business day after a weekend or holiday
        while not is_business_day(day, holidays):
            day += timedelta(days=1)
        return day
    for _ in range(business_days):  # the n-th business day after day 0's date
        day += timedelta(days=1)
        while not is_business_day(day, holidays):
            day += timedelta(days=1)
    return day


def end_of(day: date, zone: tzinfo) -> datetime:
    """The moment `day` ends in `zone` (the next day's local midnight), in UTC: overdue from then on."""
    return _local_midnight(day + timedelta(days=1), zone)


def _local_midnight(day: date, zone: tzinfo) -> datetime:
    """00:00 of `day` in `zone`; where a DST change skips midnight, the first moment of that day."""
    naive = datetime.combine(day, time())
    moment = naive.replace(tzinfo=zone)
    back = moment.astimezone(UTC).astimezone(zone)
    if back.replace(tzinfo=None) != naive:  # midnight does not exist that day (a spring-forward at 00:00)
        moment = (naive + timedelta(hours=1)).replace(tzinfo=zone)
    return moment.astimezone(UTC)


def due_at(start: datetime, business_days: int, zone: tzinfo, holidays: Collection[date] = ()) -> datetime:
    """When an item with day 0 `start` becomes overdue (UTC): the end of its due date."""
    return end_of(due_date(start, business_days, zone, holidays), zone)

