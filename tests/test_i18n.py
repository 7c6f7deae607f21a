"""Dutch by default, French and English on request; the brief's status labels word for word."""

import ast
import gettext
import re
from pathlib import Path

import pytest
from django.test import Client
from django.utils import translation

from devices.models import CampaignProduct
from registrations.companies.models import Company
from registrations.companies.services import invite_colleague
from registrations.core.choices import Reason, Status
from registrations.core.wording import describe

LOCALE = Path(__file__).resolve().parent.parent / "locale"

BRIEF_LABELS = {
    Status.ACCEPTED: "Registratie geslaagd, nog niet betaald",
    Status.MORE_INFO: "Meer informatie nodig – Upload gegevens",
    Status.PAID: "Geregistreerd – Betaling verricht",
}


def test_the_brief_labels_are_shown_word_for_word_in_dutch():
    with translation.override("nl"):
        for status, label in BRIEF_LABELS.items():
            assert str(status.label) == label
        assert str(Status.IN_REVIEW.label) == "Documenten ontvangen – In behandeling"


def test_the_not_registrable_label_names_product_and_serial(register):
    registration = register(serial="1999999999")
    with translation.override("nl"):
        assert registration.status_label == (
            "Niet registreerbaar – Het product STP10.0-3SE-40 met serienummer 1999999999 "
            "valt niet onder deze actie of bestaat niet"
        )


def test_dutch_is_the_default_language(installer, register):
    company = installer.company
    company.language = Company._meta.get_field("language").default  # a company that chose nothing
    company.save()
    register()
    client = Client()  # no Accept-Language header
    client.force_login(installer)
    page = client.get("/").content.decode()
    assert '<html lang="nl">' in page
    assert "Registratie geslaagd, nog niet betaald" in page
    assert "Statusoverzicht" in page


def test_visitors_get_their_browsers_language(campaign):
    assert '<html lang="fr">' in Client(HTTP_ACCEPT_LANGUAGE="fr").get("/").content.decode()
    assert '<html lang="en">' in Client(HTTP_ACCEPT_LANGUAGE="en").get("/login/").content.decode()


def test_a_signed_in_user_sees_their_companys_language_from_any_browser(other_company):
    # Soleil SRL is a Belgian company that reads French; its installer logs in from a Dutch browser.
    other_company.language = "fr"
    other_company.save()
    client = Client(HTTP_ACCEPT_LANGUAGE="nl")
    client.force_login(other_company.memberships.get().user)
    assert '<html lang="fr">' in client.get("/").content.decode()


def test_the_language_switch_is_remembered_for_the_user(installer):
    installer.company.language = "nl"
    installer.company.save()
    client = Client(HTTP_ACCEPT_LANGUAGE="fr")
    client.force_login(installer)
    assert '<html lang="nl">' in client.get("/").content.decode()  # the company's, not the browser's
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert '<html lang="en">' in client.get("/").content.decode()
    installer.refresh_from_db()
    assert installer.language == "en"
    elsewhere = Client(HTTP_ACCEPT_LANGUAGE="nl")  # another device, another day
    elsewhere.force_login(installer)
    assert '<html lang="en">' in elsewhere.get("/").content.decode()
    client.post("/i18n/setlang/", {"language": "nl", "next": "/"})
    assert '<html lang="nl">' in client.get("/").content.decode()


@pytest.mark.parametrize("language", ["nl", "fr", "en"])
def test_every_reason_has_a_complete_message_in_every_language(register, language):
    registration = register()
    registration.note = "Factuur ontbreekt"
    registration.reason_params.update(known_product="STP5.0-3SE-40", installed_on="2025-12-01",
                                      period_start="2026-01-01", period_end="2026-12-31", deadline="2027-01-31")
    for reason in Reason:
        registration.reason = reason
        with translation.override(language):
            message = describe(registration)
        assert message and "%(" not in message and "–" != message, (language, reason)


@pytest.mark.parametrize("language", ["nl", "fr"])
def test_the_catalogues_are_complete(language):
    """Every text has a translation and none is marked fuzzy (make messages, then translate)."""
    text = (LOCALE / language / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    entries = text.split("\n\n")[1:]  # the first entry is the header
    untranslated, fuzzy = [], []
    for entry in entries:
        if "msgid" not in entry or entry.lstrip().startswith("#~"):
            continue
        msgid = re.search(r'^msgid "(.*)"', entry, re.M).group(1)
        if "#, fuzzy" in entry or re.search(r"^#,.*fuzzy", entry, re.M):
            fuzzy.append(msgid)
        for match in re.finditer(r'^msgstr(?:\[\d\])? "(.*)"\n?((?:".*"\n?)*)', entry, re.M):
            if not match.group(1) and not match.group(2).strip():
                untranslated.append(msgid)
    assert not untranslated, untranslated
    assert not fuzzy, fuzzy
    mo = LOCALE / language / "LC_MESSAGES" / "django.mo"
    assert mo.exists() and mo.stat().st_size > 1000


def po_entries(path):
    """(msgctxt, msgid, msgstr) of the singular entries of a .po file."""
    entries, current, key = [], {}, None
    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        if not line.strip():
            if "msgid" in current and "msgid_plural" not in current:
                entries.append((current.get("msgctxt"), current["msgid"], current.get("msgstr", "")))
            current, key = {}, None
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            current[key] += ast.literal_eval(line)
        else:
            key, _, value = line.partition(" ")
            current[key] = ast.literal_eval(value)
    return [entry for entry in entries if entry[1]]


@pytest.mark.parametrize("language", ["nl", "fr"])
def test_the_compiled_catalogues_match_the_sources(language):
    """The committed .mo files were compiled from the current .po files."""
    folder = LOCALE / language / "LC_MESSAGES"
    with (folder / "django.mo").open("rb") as handle:
        catalog = gettext.GNUTranslations(handle)._catalog
    stale = [msgid for ctxt, msgid, msgstr in po_entries(folder / "django.po")
             if catalog.get(f"{ctxt}\x04{msgid}" if ctxt else msgid) != msgstr]
    assert not stale, f"run `make messages` (compilemessages): {stale[:5]}"


def test_the_campaign_terms_are_shown_in_the_readers_language(client, campaign):
    campaign.terms, campaign.terms_fr = "De voorwaarden.", "Les conditions."
    campaign.save()
    assert "De voorwaarden." in Client(HTTP_ACCEPT_LANGUAGE="nl").get("/signup/").content.decode()
    assert "Les conditions." in Client(HTTP_ACCEPT_LANGUAGE="fr").get("/signup/").content.decode()
    # No English text: the Dutch one (the campaign's own language) rather than nothing.
    assert "De voorwaarden." in Client(HTTP_ACCEPT_LANGUAGE="en").get("/signup/").content.decode()


def test_staff_commands_speak_the_portals_language(needs_documents_expired, capsys):
    from django.core.management import call_command

    with translation.override("nl"):
        call_command("expire_document_deadlines")
    assert "1 registratie verlopen, 0 herinnerd" in capsys.readouterr().out
    call_command("expire_document_deadlines", "--language", "fr")
    assert "0 enregistrement expiré" in capsys.readouterr().out


@pytest.fixture
def needs_documents_expired(register, campaign, time_machine):
    CampaignProduct.objects.filter(campaign=campaign).update(requires_documents=True)
    registration = register()
    time_machine.move_to("2026-07-02 10:00 +02:00")
    return registration


def test_the_admin_titles_a_history_row_in_words(register):
    change = register().history.get()
    with translation.override("en"):
        assert str(change) == "new → Registration successful, not yet paid"


def test_pages_and_emails_write_dates_through_the_one_formatter():
    """A date filter with its own format made "1 december 2026" here and "1 Dec 2026" there:
    pages and emails use |day, |short_day or |moment (a form's ISO value aside)."""
    templates = Path(__file__).resolve().parent.parent / "templates"
    own_formats = []
    for path in templates.rglob("*"):
        if path.suffix in (".html", ".txt"):
            for found in re.findall(r"\|date:['\"]([^'\"]+)['\"]", path.read_text(encoding="utf-8")):
                if found != "Y-m-d":
                    own_formats.append((path.name, found))
    assert not own_formats


def test_the_admin_shows_amounts_in_the_readers_way(register, staff_client):
    register()
    page = staff_client.get("/admin/registrations/registration/", HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    assert "€ 200,00" in page


def test_a_colleague_who_joins_from_a_dutch_browser_reads_the_companys_french(other_company):

    other_company.language = "fr"
    other_company.save()
    invitation = invite_colleague(company=other_company, email="marie@soleil.example",
                                  invited_by=other_company.memberships.get().user)
    client = Client(HTTP_ACCEPT_LANGUAGE="nl")
    client.post(f"/invitation/{invitation.token}/", {"first_name": "Marie", "last_name": "Lambert",
                                                     "password1": "zonnepanelen-op-het-dak",
                                                     "password2": "zonnepanelen-op-het-dak"})
    assert '<html lang="fr">' in client.get("/").content.decode()
