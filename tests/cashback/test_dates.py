"""Local days as moments, in Europe/Amsterdam whatever the season."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from cashback.dates import end_of_day, last_day_before, midday, start_of_day

AMS = ZoneInfo("Europe/Amsterdam")


@pytest.mark.parametrize("day", [date(2026, 3, 29), date(2026, 6, 15), date(2026, 10, 25), date(2026, 12, 31)])
def test_a_day_runs_from_local_midnight_to_the_next(day):
    assert start_of_day(day) == datetime(day.year, day.month, day.day, tzinfo=AMS)
    assert end_of_day(day) == start_of_day(date.fromordinal(day.toordinal() + 1))
    assert last_day_before(end_of_day(day)) == day
    assert midday(day).astimezone(AMS).date() == day and midday(day).astimezone(AMS).hour == 12
