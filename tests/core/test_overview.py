"""The status overview, the detail page and the exports, always limited to the own company."""

import csv
import io
import re
from datetime import date

import pytest
from openpyxl import load_workbook

from devices.models import Campaign, CampaignProduct
from registrations.companies.models import Enrolment
from registrations.core.choices import Source, Status
from registrations.core.exports import safe_cell
from registrations.core.models import Registration
from registrations.core.registering import register_devices
from registrations.core.rows import DeviceRow
from registrations.documents import services


@pytest.fixture
def mixed(register, campaign, products, other_company):
    """Three accepted, one unknown serial, one mismatch, one claimed by another company."""
    register(serial="1000000001", reference="Bakker")
    register(serial="1000000002", installed_on=date(2026, 3, 1))
    register(serial="2000000001", product_code="HM-20", source=Source.EXCEL)
    register(serial="1999999999")
    register(serial="4000000001")
    register(serial="1000000009", company=other_company, user=other_company.memberships.get().user)
    return register(serial="1000000009")


def test_the_overview_counts_and_sums_per_status(installer_client, mixed):
    response = installer_client.get("/")
    summary = {item["status"]: (item["count"], item["amount_cents"]) for item in response.context["summary"]}
    assert summary[Status.ACCEPTED] == (3, 45000)
    assert summary[Status.MORE_INFO] == (1, 20000)
    assert summary[Status.NOT_REGISTRABLE][0] == 2
    assert summary[Status.PAID] == (0, 0)
    page = response.content.decode()
    assert "€ 450.00" in page  # English formatting in the English test client
    assert "1999999999" in page
    assert "is not in SMA&#x27;s list of devices" in page


def test_the_overview_shows_only_the_own_company(installer_client, mixed, other_company):
    registrations = installer_client.get("/").context["page"].object_list
    assert {r.company_id for r in registrations} == {mixed.company_id}
    assert len(registrations) == 6


@pytest.mark.parametrize("query, serials", [
    ("q=Bakker", {"1000000001"}),
    ("q=99999", {"1999999999"}),
    ("status=not_registrable", {"1999999999", "4000000001"}),
    ("product=HM-20", {"2000000001"}),
    ("source=excel", {"2000000001"}),
    ("status=more_info&q=1000000009", {"1000000009"}),
])
def test_the_overview_filters_and_searches(installer_client, mixed, query, serials):
    registrations = installer_client.get(f"/?{query}").context["page"].object_list
    assert {r.serial for r in registrations} == serials


def test_the_overview_sorts(installer_client, mixed):
    ascending = [r.serial for r in installer_client.get("/?sort=serial").context["page"].object_list]
    assert ascending == sorted(ascending)
    descending = [r.installed_on for r in installer_client.get("/?sort=-installed_on").context["page"].object_list]
    assert descending == sorted(descending, reverse=True)
    # An unknown sort key falls back to the default instead of failing.
    assert installer_client.get("/?sort=password").status_code == 200


def test_the_overview_paginates(installer_client, company, installer, settings):
    settings.OVERVIEW_PAGE_SIZE = 10
    rows = [DeviceRow(f"10000000{n:02d}", "STP10.0-3SE-40", date(2026, 5, 1), "3511 AB", "NL") for n in range(1, 26)]
    register_devices(company=company, rows=rows, source=Source.EXCEL, user=installer)
    first = installer_client.get("/?sort=serial")
    assert first.context["page"].paginator.num_pages == 3
    third = installer_client.get("/?sort=serial&page=3").context["page"].object_list
    assert [r.serial for r in third] == [f"10000000{n:02d}" for n in range(21, 26)]
    assert "sort=serial&amp;page=2" in first.content.decode()


def test_the_overview_query_count_does_not_grow_with_rows(installer_client, company, installer, count_queries):
    def queries():
        return count_queries(lambda: installer_client.get("/"))

    rows = [DeviceRow(f"10000000{n:02d}", "STP10.0-3SE-40", date(2026, 5, 1), "3511 AB", "NL") for n in range(1, 3)]
    register_devices(company=company, rows=rows, source=Source.EXCEL, user=installer)
    few = queries()
    rows = [DeviceRow(f"{p}0000000{n:02d}", code, date(2026, 5, 1), "3511 AB", "NL")
            for p, code in [(2, "HM-20"), (4, "STP5.0-3SE-40"), (3, "STP 110-60")] for n in range(1, 40)]
    register_devices(company=company, rows=rows, source=Source.EXCEL, user=installer)
    assert 5 < queries() == few


def test_the_detail_page_shows_status_reason_and_history(installer_client, register, installer):
    registration = register(serial="4000000001")
    page = installer_client.get(f"/registrations/{registration.pk}/").content.decode()
    assert "Not registrable – The product STP10.0-3SE-40 with serial number 4000000001" in page
    assert "belongs to a STP5.0-3SE-40" in page
    assert "Known to SMA as" in page
    assert "History" in page and "Serial number belongs to another model" in page


def test_another_companys_registration_is_a_404(client, register, other_company):
    registration = register()
    client.force_login(other_company.memberships.get().user)
    assert client.get(f"/registrations/{registration.pk}/").status_code == 404
    assert client.get("/registrations/999999/").status_code == 404


def test_a_more_info_registration_shows_its_deadline(installer_client, register, campaign):
    CampaignProduct.objects.update(requires_documents=True)
    registration = register()
    page = installer_client.get(f"/registrations/{registration.pk}/").content.decode()
    assert "29 June 2026" in page  # the last day: 14 days from 15 June
    assert "14 days left" in page
    assert "14 days left" in installer_client.get("/").content.decode()


def test_the_csv_export_follows_the_filter_and_escapes_formulas(installer_client, register):
    register(serial="1000000001", reference="=HYPERLINK(\"http://evil\")")
    register(serial="1000000002", reference="+31 6 1234")
    register(serial="1999999999", reference="@SUM(A1)")
    everything = b"".join(installer_client.get("/registrations/export.csv").streaming_content).decode()
    assert ";'@SUM(A1);" in everything
    response = installer_client.get("/registrations/export.csv?status=accepted&sort=serial")
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff")), delimiter=";"))
    assert rows[0][:3] == ["Serial number", "Product type", "Installation date"]
    assert [row[0] for row in rows[1:]] == ["1000000001", "1000000002"]
    assert rows[1][5] == "'=HYPERLINK(\"http://evil\")"
    assert rows[2][5] == "'+31 6 1234"
    assert rows[1][9] == "200.00"  # English client; Dutch gets "200,00" (below)


def test_the_csv_export_writes_amounts_the_readers_way_and_none_for_refusals(client, installer, register):
    register()
    register(serial="1999999999")
    installer.language = "nl"  # the installer reads Dutch
    installer.save()
    client.force_login(installer)
    body = b"".join(client.get("/registrations/export.csv?sort=serial")
                    .streaming_content).decode("utf-8")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff")), delimiter=";"))
    assert rows[1][9] == "200,00"
    assert rows[2][9] == ""


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@A1", "\tx", "\rx"])
def test_every_formula_trigger_is_escaped(value):
    assert safe_cell(value) == "'" + value
    assert safe_cell("ok=1") == "ok=1"


def test_the_xlsx_export_keeps_serials_and_formulas_as_text(installer_client, register, known):
    known("0000000042")
    register(serial="0000000042", reference="-5")
    register(serial="1000000001", reference="=1+1")
    response = installer_client.get("/registrations/export.xlsx?sort=serial")
    assert response["Content-Disposition"].startswith("attachment")
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = workbook.active
    assert sheet["A2"].value == "0000000042"
    assert sheet["A2"].number_format == "@"
    assert sheet["F2"].value == "-5"
    assert sheet["F2"].data_type == "s"
    assert sheet["F3"].value == "=1+1"
    assert sheet["F3"].data_type == "s"  # text, not a formula
    assert sheet["H2"].value == "Registration successful, not yet paid"


def test_the_export_never_contains_another_company(client, register, other_company):
    register()
    client.force_login(other_company.memberships.get().user)
    body = b"".join(client.get("/registrations/export.csv").streaming_content).decode()
    assert "1000000001" not in body


def test_registration_from_the_form_shows_the_outcome_and_keeps_the_installation(installer_client, campaign):
    response = installer_client.post("/registrations/new/", {
        "serial": "1000000001", "product": "STP10.0-3SE-40", "installed_on": "2026-05-01",
        "postcode": "3511 ab", "country": "NL", "reference": "",
    })
    registration = Registration.objects.get()
    assert response.status_code == 302 and response.url == f"/registrations/new/?last={registration.pk}"
    page = installer_client.get(response.url)
    html = page.content.decode()
    assert "Registration successful, not yet paid" in html
    assert "€ 200.00" in html
    assert page.context["form"].initial["postcode"] == "3511 AB"


def test_the_form_offers_the_campaign_products_with_amounts(installer_client, campaign):
    html = installer_client.get("/registrations/new/").content.decode()
    assert "STP10.0-3SE-40 – Sunny Tripower Smart Energy (€ 200.00)" in html
    assert "SB3.0-1AV-41" not in html


def test_the_form_explains_a_refusal_in_plain_words(installer_client, campaign):
    response = installer_client.post("/registrations/new/", {
        "serial": "4000000001", "product": "STP10.0-3SE-40", "installed_on": "2026-05-01",
        "postcode": "3511AB", "country": "NL",
    }, follow=True)
    html = response.content.decode()
    assert "Not registrable – The product STP10.0-3SE-40 with serial number 4000000001" in html
    assert "register it again with product type STP5.0-3SE-40" in html


def test_the_form_shows_field_errors_and_duplicates(installer_client, register):
    response = installer_client.post("/registrations/new/", {
        "serial": "ABC", "product": "STP10.0-3SE-40", "installed_on": "2026-05-01", "postcode": "3511AB",
        "country": "NL",
    })
    assert response.context["form"].errors["serial"] == ["Serial number “ABC” may contain digits only."]
    register()
    response = installer_client.post("/registrations/new/", {
        "serial": "1000000001", "product": "STP10.0-3SE-40", "installed_on": "2026-05-01", "postcode": "3511AB",
        "country": "NL",
    })
    assert "already registered serial number 1000000001" in response.content.decode()
    assert Registration.objects.count() == 1


def test_the_right_model_is_offered_only_when_it_takes_part(installer_client, register):
    mismatch = register(serial="4000000001")  # an STP5.0 (in the campaign) claimed as STP10.0
    page = installer_client.get(f"/registrations/{mismatch.pk}/").content.decode()
    assert "Register it as STP5.0-3SE-40" in page
    sunny_boy = register(serial="5000000001")  # a Sunny Boy (not in the campaign) claimed as STP10.0
    page = installer_client.get(f"/registrations/{sunny_boy.pk}/").content.decode()
    assert "Register it as" not in page


def test_after_the_deadline_registering_says_it_is_closed(installer_client, installer, campaign, time_machine):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    time_machine.move_to(datetime(2027, 2, 1, 9, tzinfo=ZoneInfo("Europe/Amsterdam")))
    installer_client.force_login(installer)  # the old session expired on the way
    response = installer_client.get("/registrations/new/", follow=True)
    assert response.redirect_chain[-1][0] == "/"
    assert "Registration is closed" in response.content.decode()
    assert 'href="/registrations/new/"' not in response.content.decode()


def test_an_invalid_filter_is_ignored_and_the_others_still_apply(installer_client, mixed):
    registrations = installer_client.get("/?status=bogus&q=1999999999").context["page"].object_list
    assert [r.serial for r in registrations] == ["1999999999"]


def test_installers_see_the_campaign_team_not_a_staff_members_name(installer_client, register, staff):
    registration = services.request_documents(register(), actor=staff, note="Please upload the invoice.")
    page = installer_client.get(f"/registrations/{registration.pk}/").content.decode()
    assert "SMA campaign team" in page
    assert staff.email not in page


def test_a_refusal_is_a_compact_badge_with_its_reason_beside_it(installer_client, register):
    register(serial="1999999999")  # unknown serial
    page = installer_client.get("/").content.decode()
    badge = re.search(r'<span class="badge not_registrable" title="([^"]+)">([^<]+)</span>', page)
    assert badge.group(2) == "Not registrable"  # the brief's words, short
    assert badge.group(1).startswith("Not registrable – The product STP10.0-3SE-40 with serial number 1999999999")
    assert "Unknown serial number" in page  # the reason beside it


def test_a_company_in_two_campaigns_sees_each_registration_under_its_campaign_and_filters_by_it(
    installer_client, register, company, campaign, products,
):
    last_year = Campaign.objects.create(name="SMA Cashback 2025", slug="cashback-2025",
                                        installation_starts_on=date(2025, 1, 1), installation_ends_on=date(2025, 12, 31),
                                        registration_deadline=date(2026, 12, 31))
    CampaignProduct.objects.create(campaign=last_year, product=products["STP10.0-3SE-40"], amount_cents=10000)
    Enrolment.objects.create(company=company, campaign=last_year, accepted_by=company.memberships.first().user)
    register("1000000001", installed_on=date(2025, 6, 1))
    register("1000000002", installed_on=date(2026, 5, 1))

    page = installer_client.get("/").content.decode()
    assert "SMA Cashback 2025" in page and "SMA Cashback 2026" in page and 'name="campaign"' in page
    filtered = installer_client.get(f"/?campaign={last_year.pk}")
    assert [r.serial for r in filtered.context["page"].object_list] == ["1000000001"]
