"""The gate: every page of the portal, in Dutch, French and English, at desktop and phone width.

The pages come from the URL configuration, so a new page is walked without anyone adding it
here; a page with parameters needs a sample below (the test says which). Every page a person
can open is loaded in Chromium and fails the gate on: an answer that is not 200, a failed
request for anything on it, a JavaScript error, horizontal scrolling at 390 px, a tap target
under 32 px on a phone, and English catalogue text on a Dutch or French page. Every other
answer (a redirect, a file, a page for another role) is checked with the test client: never a
404, 400 or 500. A screenshot of each page at each width lands in test-artifacts/pages/.
"""

import io
from datetime import date

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import URLResolver, get_resolver, reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from openpyxl import Workbook

from devices.models import Campaign
from registrations.api.services import create_token
from registrations.companies.models import Company, Membership, Role, User
from registrations.companies.services import invite_colleague
from registrations.core import registering
from registrations.core.choices import Source, Status
from registrations.core.models import Registration
from registrations.core.rows import DeviceRow
from registrations.documents.models import Document
from registrations.payouts import selectors as payout_selectors
from registrations.payouts import services as payouts
from registrations.uploads import services as uploads
from tests.browser.conftest import ARTIFACTS
from tests.language import wrong_language_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Not the portal's pages: Django's admin (its own translations), the REST API and its schema
# (JSON, tested in tests/api), the icon, and the language switch and logout (POST only).
NOT_PAGES = ("admin/", "api/", "favicon.ico")

# Who opens the pages. A page is walked in the browser for each role that gets it as HTML.
ROLES = ("installer", "colleague", "reviewer", "finance", "visitor", "newcomer")
# A company from an earlier campaign, not enrolled in this one: it is asked to enrol; the rest of
# its pages are the installer's.
ONLY = {"newcomer": {"enrol", "overview"}}
PHONE, DESKTOP = {"width": 390, "height": 844}, {"width": 1366, "height": 900}
# The installer pages that staff without a company get a 404 for (their objects are scoped by
# company; reviewers see documents). Anyone else's 404 fails the gate.
INSTALLER_OBJECTS = ("registration_detail", "upload_documents", "upload_detail", "upload_status", "upload_file",
                     "upload_result", "upload_check", "payout_specification")
NOT_THEIRS = {(role, name) for role in ("reviewer", "finance") for name in INSTALLER_OBJECTS} | {
    ("finance", "document_file")}
# Pages that answer with a redirect for everyone (their work done, they send the browser on).
REDIRECTS = {"password_reset_confirm"}
MIN_TAP = 32  # px, a finger on a phone (WCAG 2.5.8 asks 24)


def urls():
    """(name, route, parameters) of every URL of the portal."""

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            else:
                yield pattern.name, prefix + str(pattern.pattern), list(pattern.pattern.converters)

    return [(name, route, params) for name, route, params in walk(get_resolver().url_patterns)
            if not route.startswith(NOT_PAGES)]


def demo_site():
    """The demo data and what it lacks: a paid, an exported and an approved batch (their pages
    show each step: the date inputs, what export and payment will do), uploads in each state,
    a token, an invitation."""
    call_command("seed_demo", stdout=io.StringIO())
    staff, finance = User.objects.get(email="staff@example.com"), User.objects.get(email="finance@example.com")
    demo = Company.objects.get(customer_number="100200")
    installer = User.objects.get(email="installer@example.com")
    batches = []
    for step in ("paid", "exported", "approved"):
        serials = [f"30300003{len(batches)}{n}" for n in range(3)]
        registering.register_devices(company=demo, source=Source.WEB, user=installer, rows=[
            DeviceRow(serial, "STP10.0-3SE-40", date(2026, 5, 1), "3511 AB", "NL") for serial in serials
        ])
        batch = payouts.create_batch(payout_selectors.Selection(), actor=staff)
        payouts.approve_batch(batch, actor=finance)
        if step != "approved":
            payouts.export_batch(batch, actor=staff, execution_date=date(2026, 6, 15))
        if step == "paid":
            payouts.mark_paid(batch, actor=finance, executed_on=date(2026, 6, 15))
        batches.append(batch)
    workbook = Workbook()
    workbook.active.append(["Serienummer", "Producttype", "Installatiedatum", "Postcode"])
    workbook.active.append(["3030000350", "STP10.0-3SE-40", date(2026, 5, 1), "3511 AB"])
    workbook.active.append(["3039999990", "STP10.0-3SE-40", date(2026, 5, 1), "3511 AB"])
    content = io.BytesIO()
    workbook.save(content)
    checked = uploads.receive(company=demo, uploaded_file=SimpleUploadedFile("apparaten.xlsx", content.getvalue()),
                              user=installer, language="nl")
    uploads.preview_upload(checked)
    imported = uploads.receive(company=demo, uploaded_file=SimpleUploadedFile("apparaten.xlsx", content.getvalue()),
                               user=installer, language="nl")
    uploads.preview_upload(imported)
    uploads.start_import(imported, user=installer)
    uploads.register_upload(imported)
    refused = uploads.receive(company=demo, uploaded_file=SimpleUploadedFile("notities.xlsx", b"not a sheet"),
                              user=installer, language="nl")
    # One the worker has not started yet, and one whose worker kept dying (it offers Try again).
    waiting, failed = (uploads.receive(company=demo, uploaded_file=SimpleUploadedFile(name, content.getvalue()),
                                       user=installer, language="nl") for name in ("wacht.xlsx", "mislukt.xlsx"))
    uploads.give_up(failed.pk)
    create_token(demo, name="ERP", user=installer)
    invitation = invite_colleague(company=demo, email="nieuw@zonnewerk.example", invited_by=installer)
    other = User.objects.get(email="installer@soleil.example")
    earlier = Company.objects.create(name="Zon van Toen B.V.", customer_number="100900", vat_number="NL001234567B01",
                                     country="NL", street="Oude Gracht 1", postcode="3511 AA", city="Utrecht",
                                     contact_email="info@zonvantoen.example", language="nl")
    Membership.objects.create(user=User.objects.create_user(email="eerder@zonvantoen.example", password="x"),
                              company=earlier, role=Role.ADMIN)
    return {
        "registration": demo.registrations.filter(status=Status.ACCEPTED).first(),
        "more_info": demo.registrations.filter(status=Status.MORE_INFO).first(),
        "in_review": Registration.objects.filter(status=Status.IN_REVIEW).first(),
        "document": Document.objects.first(),
        "checked": checked, "imported": imported, "refused": refused, "waiting": waiting, "failed": failed, "batches": batches, "invitation": invitation,
        # Someone who does not walk the pages: logging in would void the link's token.
        "reset": (urlsafe_base64_encode(force_bytes(other.pk)), default_token_generator.make_token(other)),
    }


def samples(site):
    """The parameters to open each page with parameters."""
    upload, paid = {"pk": site["imported"].pk}, site["batches"][0]
    return {
        "registration_detail": [{"pk": site["registration"].pk}, {"pk": site["more_info"].pk}],
        "upload_documents": [{"pk": site["more_info"].pk}, {"pk": site["in_review"].pk}],
        "document_file": [{"pk": site["document"].pk}],
        "review_registration": [{"pk": site["in_review"].pk}],
        "export": [{"fmt": "csv"}, {"fmt": "xlsx"}],
        "upload_detail": [upload, {"pk": site["checked"].pk}, {"pk": site["refused"].pk},
                          {"pk": site["waiting"].pk}, {"pk": site["failed"].pk}],
        "upload_status": [upload], "upload_file": [upload], "upload_result": [upload],
        "upload_check": [{"pk": site["checked"].pk}],
        "finance_batch": [{"pk": batch.pk} for batch in site["batches"]],
        "finance_batch_file": [{"pk": paid.pk, "which": "sepa"}, {"pk": paid.pk, "which": "summary"}],
        "payout_specification": [{"pk": paid.pk}],
        "accept_invitation": [{"token": site["invitation"].token}],
        "password_reset_confirm": [{"uidb64": site["reset"][0], "token": site["reset"][1]}],
        "desk_figure": [{"name": "registrations"}, {"name": "companies"}],
        "desk_campaign": [{"pk": Campaign.objects.order_by("pk").first().pk}],
    }


def addresses(site):
    """Every URL to open, with the pages that need parameters filled in from the samples."""
    known, found, missing = samples(site), [], []
    for name, route, params in urls():
        if not params:
            found.append((name, reverse(name)))
        elif name in known:
            found += [(name, reverse(name, kwargs=kwargs)) for kwargs in known[name]]
        elif not _post_only(name, params):
            missing.append(name)
    assert not missing, f"add a sample for these pages to samples(): {missing}"
    return found


def _post_only(name, params):
    """A step (POST only): opened with a made-up id it must say 405, which proves the point."""
    url = reverse(name, kwargs={param: 1 if param == "pk" else "x" for param in params})
    return Client().get(url).status_code == 405


def users():
    return {
        "installer": User.objects.get(email="installer@example.com"),
        "colleague": User.objects.get(email="colleague@example.com"),
        "reviewer": User.objects.get(email="staff@example.com"),
        "finance": User.objects.get(email="finance@example.com"),
        "visitor": None,
        "newcomer": User.objects.get(email="eerder@zonvantoen.example"),
    }


def client_for(user, language):
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    if user is not None:
        user.language = language  # the signed-in person's choice; visitors get their browser's
        user.save(update_fields=["language"])
        client.force_login(user)
    return client


@pytest.mark.parametrize("language", ["nl", "fr", "en"])
def test_every_page_in_every_language_at_both_widths(browser, live_server, language):
    site = demo_site()
    problems, everything, reached, steps = [], addresses(site), set(), set()
    for role, user in users().items():
        client = client_for(user, language)
        pages = []
        for name, url in everything:
            if role in ONLY and name not in ONLY[role]:
                continue
            response = client.get(url, follow=name in REDIRECTS)
            if name in REDIRECTS and response.redirect_chain:
                url = response.redirect_chain[-1][0]
            # An installer's object is a 404 for staff without the right permission, by design.
            not_theirs = response.status_code == 404 and (role, name) in NOT_THEIRS
            if (response.status_code in (400, 404) and not not_theirs) or response.status_code >= 500:
                problems.append(f"{role} {url}: HTTP {response.status_code}")
            elif response.status_code == 405:
                steps.add(url)
            elif response.status_code == 200:
                reached.add(url)
                if response["Content-Type"].startswith("text/html"):
                    pages.append((name, url))
            if hasattr(response, "close"):
                response.close()
        for viewport in (DESKTOP, PHONE):
            problems += walk(browser, live_server, client, role, language, viewport, pages)
    # Every page is a page someone can open: no sample leads nowhere, no page only redirects.
    # A step (logging out, switching the language) is a POST for everyone: no page to walk.
    problems += [f"{url} is a step for some and a page for others" for url in steps & reached]
    problems += [f"nobody gets {url}" for name, url in everything
                 if url not in reached | steps and name not in REDIRECTS]
    assert not problems, "\n".join(problems)


def walk(browser, live_server, client, role, language, viewport, pages):
    """Open each page in Chromium as this client's user; what is wrong with it, as text lines."""
    phone = viewport is PHONE
    context = browser.new_context(viewport=viewport, base_url=live_server.url, is_mobile=phone,
                                  locale={"nl": "nl-NL", "fr": "fr-BE", "en": "en-GB"}[language])
    if "sessionid" in client.cookies:
        context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value,
                              "url": live_server.url}])
    page = context.new_page()
    errors, failed, problems = [], [], []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("response", lambda response: response.status >= 400 and failed.append(f"{response.status} {response.url}"))
    width, shown = "phone" if phone else "desktop", {}
    for old in (ARTIFACTS / "pages").glob(f"{language}-{width}-{role}-*.png"):
        old.unlink()  # this run's pictures only
    (ARTIFACTS / "pages").mkdir(parents=True, exist_ok=True)
    for name, url in pages:
        errors.clear(), failed.clear()
        where = f"{role} {language} {width} {url}"
        answer = page.goto(url)  # until "load": the page, its styles, scripts and images
        if answer is None or answer.status != 200:
            problems.append(f"{where}: HTTP {answer and answer.status}")
            continue
        problems += [f"{where}: JavaScript: {error}" for error in errors]
        problems += [f"{where}: failed request {request}" for request in failed]
        if page.evaluate("document.documentElement.lang") != language:
            problems.append(f"{where}: the page says lang={page.evaluate('document.documentElement.lang')}")
        shown[name] = shown.get(name, 0) + 1
        shot = ARTIFACTS / "pages" / f"{language}-{width}-{role}-{name}-{shown[name]}.png"
        page.screenshot(path=str(shot), full_page=True)
        # What a tap reveals counts too: the questions of the steps that ask first, the folded menu.
        page.evaluate(OPEN_EVERYTHING)
        text = page.evaluate(ALL_TEXT)
        problems += [f"{where}: another language on the page: “{leftover}” in “{around(text, leftover)}”"
                     for leftover in wrong_language_in(text, language)]
        problems += [f"{where}: cut off at the screen's edge: {cut}" for cut in page.evaluate(CUT_OFF)]
        if phone:
            if page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1"):
                wide = page.evaluate("document.documentElement.scrollWidth")
                problems.append(f"{where}: scrolls sideways ({wide} px)")
            problems += [f"{where}: tap target {small}" for small in page.evaluate(SMALL_TAP_TARGETS, MIN_TAP)]
    context.close()
    return problems


def around(text, fragment):
    """The line a fragment stands in, so that the report says where to look."""
    line = next((line for line in text.splitlines() if fragment in line), fragment)
    return line.strip()[:120]


OPEN_EVERYTHING = """() => {
  document.querySelectorAll('details').forEach(details => { details.open = true; });
  const menu = document.getElementById('menu-toggle');
  if (menu) { menu.checked = true; }
}"""

# The page's text as a reader meets it: the body, the window's title, and what controls say
# without showing it (placeholders, titles, labels for screen readers).
ALL_TEXT = """() => [document.title, document.body.innerText,
  ...[...document.querySelectorAll('[placeholder], [title], [aria-label]')].flatMap(
      element => [element.getAttribute('placeholder'), element.getAttribute('title'),
                  element.getAttribute('aria-label')].filter(Boolean))].join('\\n')"""

# Text and controls that stick out past the right edge of the screen, where a box that hides its
# overflow (a rounded table) cuts them off without the page scrolling sideways, or past the box
# itself: a cell's text clipped by its table.
CUT_OFF = """() => {
  const cut = [];
  const kinds = 'a, button, input, select, td, th, p, h1, h2, h3, li, span, label, div, dd, dt, strong, time';
  for (const element of document.body.querySelectorAll(kinds)) {
    const box = element.getBoundingClientRect();
    const shown = box.width && box.height && getComputedStyle(element).visibility !== 'hidden';
    const clip = element.closest('.table-wrap');
    const edge = Math.min(window.innerWidth, clip ? clip.getBoundingClientRect().right : Infinity);
    if (shown && box.right > edge + 1) {
      const text = (element.innerText || '').trim().slice(0, 40);
      cut.push(`${element.tagName.toLowerCase()} “${text}” to ${Math.round(box.right)} px`);
    }
  }
  return cut.slice(0, 5);
}"""


# The visible controls a finger must hit, smaller than the minimum in either direction. Links
# inside a sentence are exempt (as in WCAG 2.5.8): their line is the target.
SMALL_TAP_TARGETS = """(minimum) => {
  const small = [];
  for (const element of document.querySelectorAll(
      'a[href], button, input:not([type=hidden]), select, textarea, summary, label.menu-button')) {
    const box = element.getBoundingClientRect();
    const style = getComputedStyle(element);
    if (!box.width || !box.height || style.visibility === 'hidden') continue;
    if (element.type === 'checkbox' || element.type === 'radio') {
      const label = element.closest('label') || document.querySelector(`label[for="${element.id}"]`);
      if (label && label.getBoundingClientRect().height >= minimum) continue;
    }
    if (element.tagName === 'A' && style.display === 'inline') {
      // In a sentence: the block holds words besides its links ("Excel · CSV" is links only).
      let words = element.parentElement.innerText;
      for (const link of element.parentElement.querySelectorAll('a')) { words = words.replace(link.innerText, ''); }
      if ((words.match(/\\p{L}{2,}/gu) || []).length >= 3) continue;
    }
    if (box.height < minimum || box.width < minimum) {
      const text = (element.innerText || element.value || element.name || element.tagName).trim().slice(0, 40);
      small.push(`${element.tagName.toLowerCase()} “${text}” ${Math.round(box.width)}×${Math.round(box.height)}`);
    }
  }
  return small;
}"""
