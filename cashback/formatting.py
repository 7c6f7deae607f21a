"""Money and days as people read them, in the active language: the one formatter for each."""

from datetime import date
from decimal import Decimal

from django.utils import formats, timezone


def format_money(cents):
    """€ 1.234,50 in nl and fr, € 1,234.50 in en; "" for no amount."""
    if cents is None:
        return ""
    return "€ " + formats.number_format(Decimal(cents) / 100, 2, use_l10n=True, force_grouping=True)


def format_day(value):
    """A date, an ISO date string or a moment (as its day in Europe/Amsterdam), in DATE_FORMAT."""
    if not value:
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value)
    elif hasattr(value, "tzinfo"):
        value = timezone.localtime(value).date()
    return formats.date_format(value, "DATE_FORMAT")
