"""Addresses in the Benelux as people type them: country names and postcodes, cleaned.

Shared by the company's own address and the installation address of every registration
(the form, the Excel import and the API).
"""

import re

from django.utils.translation import gettext as _

from cashback.errors import InvalidInput

from .choices import Country

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
