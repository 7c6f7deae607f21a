"""Cleaning of the values an installer sends, shared by the form, the Excel import and the API."""

import re

from django.utils import timezone
from django.utils.translation import gettext as _

from .choices import Country
from .errors import InvalidInput

_POSTCODE_PATTERNS = {
    Country.NL: re.compile(r"^(\d{4})\s*([A-Z]{2})$"),
    Country.BE: re.compile(r"^(?:B-?)?(\d{4})$"),
    Country.LU: re.compile(r"^(?:L-?)?(\d{4})$"),
}
_COUNTRY_ALIASES = {
    "NL": Country.NL, "NEDERLAND": Country.NL, "NETHERLANDS": Country.NL, "PAYS-BAS": Country.NL,
    "THE NETHERLANDS": Country.NL, "HOLLAND": Country.NL,
    "BE": Country.BE, "BELGIE": Country.BE, "BELGIË": Country.BE, "BELGIUM": Country.BE,
    "BELGIQUE": Country.BE,
    "LU": Country.LU, "LUXEMBURG": Country.LU, "LUXEMBOURG": Country.LU,
}


def normalize_country(raw):
    key = str(raw or "").strip().upper()
    country = _COUNTRY_ALIASES.get(key)
    if country is None:
        raise InvalidInput(
            _("Country “%(value)s” is not part of the campaign; use NL, BE or LU.") % {"value": raw},
            field="country",
        )
    return country


_WHITESPACE = re.compile(r"\s+")


def normalize_postcode(raw, country):
    value = _WHITESPACE.sub(" ", str(raw or "").strip().upper())
    match = _POSTCODE_PATTERNS[country].match(value)  # keyed by the plain code: Country() costs per row
    if not match:
        examples = {Country.NL: "1234 AB", Country.BE: "1000", Country.LU: "1234"}
        raise InvalidInput(
            _("Postcode “%(value)s” is not a valid postcode for %(country)s (for example %(example)s).")
            % {"value": raw, "country": Country(country).label, "example": examples[Country(country)]},
            field="postcode",
        )
    return " ".join(match.groups())


def check_installation_date(installed_on, today=None):
    today = today or timezone.localdate()
    if installed_on is None:
        raise InvalidInput(_("Enter the installation date."), field="installed_on")
    if installed_on > today:
        raise InvalidInput(_("The installation date cannot be in the future."), field="installed_on")
    return installed_on


def clean_reference(raw):
    value = str(raw or "").strip()
    if len(value) > 100:
        raise InvalidInput(_("Your own reference can be at most 100 characters."), field="reference")
    return value
