"""Money, days and moments as people read them, in the active language: one formatter each,
used by pages, emails and files alike."""

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


def format_moment(value):
    """A moment as its local day and time, in DATETIME_FORMAT ("1 december 2026 14:05")."""
    if not value:
        return ""
    return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")


def format_short_day(value):
    """A day for a dense table, in SHORT_DATE_FORMAT ("1-12-2026", "01/12/2026")."""
    if not value:
        return ""
    if hasattr(value, "tzinfo"):
        value = timezone.localtime(value).date()
    return formats.date_format(value, "SHORT_DATE_FORMAT")


def format_number(value):
    """A whole number with the reader's grouping: 100.000 (nl), 100 000 (fr), 100,000 (en)."""
    return formats.number_format(value, use_l10n=True, force_grouping=True)


QUOTED_MAX = 40


def quoted(value, limit=QUOTED_MAX):
    """What a person sent, as a message quotes it: at most `limit` characters (a pasted
    paragraph in a postcode cell is not repeated whole in every message about it)."""
    text = str(value if value is not None else "")
    return text if len(text) <= limit else text[: limit - 1] + "…"
