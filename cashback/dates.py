"""Days in the portal's time zone (Europe/Amsterdam) as moments: where a day starts and ends.

Deadlines, "decided on or before" filters and "today" counts are whole local days; these two
functions are the only place that turns a day into a moment.
"""

from datetime import datetime, time, timedelta

from django.utils import timezone

_ONE_SECOND = timedelta(seconds=1)


def start_of_day(day):
    """The first moment of `day`, local time."""
    return timezone.make_aware(datetime.combine(day, time.min))


def midday(day):
    """Noon of `day`, local time: a moment for something known only by its day (a bank's
    execution date), that stays on that day in any time zone of Europe."""
    return timezone.make_aware(datetime.combine(day, time(12)))


def end_of_day(day):
    """The first moment after `day` (a deadline "by the end of that day" is this moment)."""
    return start_of_day(day + timedelta(days=1))


def last_day_before(moment):
    """The local day that ends at `moment`: the inverse of end_of_day()."""
    return (timezone.localtime(moment) - _ONE_SECOND).date()
