"""The columns of the template, the result workbook and every upload: their titles in the
reader's language and the other names people give them."""

import re
import unicodedata

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

COLUMNS = ("serial", "product", "installed_on", "postcode", "country", "reference")
REQUIRED = ("serial", "product", "installed_on", "postcode")


def column_titles():
    """The template's column titles, in the active language."""
    return {
        "serial": _("Serial number"),
        "product": _("Product type"),
        "installed_on": _("Installation date"),
        "postcode": _("Postcode"),
        "country": _("Country"),
        "reference": _("Own reference"),
    }


# Other names people give these columns, besides the template's titles in nl, fr and en.
_SYNONYMS = {
    "serial": ["serial", "serialno", "serialnr", "sn", "serienr", "serie", "numerodeserie", "nserie", "nodeserie"],
    "product": ["product", "type", "model", "modele", "produit", "typeaanduiding", "typedesignation", "artikel"],
    "installed_on": ["date", "datum", "installed", "installedon", "installationdate", "dateinstallation",
                     "datedinstallation", "installatie", "geinstalleerdop", "datummontage", "inbedrijfstelling"],
    "postcode": ["zip", "zipcode", "postalcode", "postcodeinstallatie", "codepostal", "cp", "pc"],
    "country": ["land", "pays", "countrycode", "landcode"],
    "reference": ["reference", "referentie", "ref", "ownreference", "eigenreferentie", "votrereference", "kenmerk",
                  "ordernumber", "ordernummer", "projectnummer", "project"],
}


def header_key(text):
    """Header text compared without case, accents, spaces and punctuation."""
    text = unicodedata.normalize("NFKD", str(text or "")).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", text.lower())


def header_names():
    """{header text as compared (see header_key): column}, in every language and with synonyms."""
    names = {}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            for column, title in column_titles().items():
                names[header_key(title)] = column
    for column, synonyms in _SYNONYMS.items():
        for synonym in synonyms:
            names.setdefault(synonym, column)
    return names
