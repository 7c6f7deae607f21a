"""Addresses in the Benelux as people type them: country names and postcodes, cleaned.

Shared by the company's own address and the installation address of every registration
(the form, the Excel import and the API).
"""

import re
import unicodedata

from django.utils.translation import gettext_lazy

from cashback.errors import InvalidInput, Message
from cashback.formatting import quoted

from .choices import Country

# Four ASCII digits from 1000 (no postcode of the three countries starts with 0); [0-9], not
# \d, which would take the digits of every script.
_POSTCODE_PATTERNS = {
    Country.NL: re.compile(r"^([1-9][0-9]{3}) ?([A-Z]{2})$"),
    Country.BE: re.compile(r"^(?:B-?)?([1-9][0-9]{3})$"),
    Country.LU: re.compile(r"^(?:L-?)?([1-9][0-9]{3})$"),
}
# A postcode already written as normalize_postcode() writes it: returned as it is (an upload's
# 100,000 rows are nearly all like this, and they are cleaned at the check and on confirming).
_CLEAN_POSTCODES = {
    Country.NL: re.compile(r"[1-9][0-9]{3} [A-Z]{2}"),
    Country.BE: re.compile(r"[1-9][0-9]{3}"),
    Country.LU: re.compile(r"[1-9][0-9]{3}"),
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
            Message(gettext_lazy("Country “%(value)s” is not part of the campaign; use NL, BE or LU."),
                    value=quoted(raw)),
            field="country",
        )
    return country


_WHITESPACE = re.compile(r"\s+")


def normalize_postcode(raw, country):
    if type(raw) is str and _CLEAN_POSTCODES[country].fullmatch(raw):
        return raw
    # NFKC: full-width "１０００" (a phone's wide keyboard) is 1000; other scripts' digits stay
    # what they are, and are refused.
    value = _WHITESPACE.sub(" ", unicodedata.normalize("NFKC", str(raw or "")).strip().upper())
    match = _POSTCODE_PATTERNS[country].match(value)  # keyed by the plain code: Country() costs per row
    if not match:
        examples = {Country.NL: "1234 AB", Country.BE: "1000", Country.LU: "1234"}
        raise InvalidInput(
            Message(gettext_lazy("Postcode “%(value)s” is not a valid postcode for %(country)s (for example "
                                 "%(example)s)."),
                    value=quoted(raw), country=Country(country).label, example=examples[Country(country)]),
            field="postcode",
        )
    return " ".join(match.groups())
