"""The campaign team's desk: who lands there, what it links to, and figures that equal plain
counts of the registrations, in a number of queries that does not grow with them."""

import io
import random
from datetime import date, timedelta

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.db.models import Count, Sum
from django.db.models.functions import TruncDate
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from devices.models import Campaign, CampaignProduct
from registrations.companies.models import Enrolment, User
from registrations.core.choices import CLAIM_STATUSES, Reason, Source, Status
from registrations.core.models import Registration, StatusChange
from registrations.core.registering import register_devices
from registrations.core.rows import DeviceRow
from registrations.core.tallies import CompanyTally, DayTally, MoveTally
from registrations.desk import selectors
from registrations.documents import services as documents
from registrations.payouts import bank
from registrations.payouts import services as payouts
from tests.conftest import PASSWORD
from tests.files import receive_documents
from tests.payouts.helpers import ALL, finance_user


def staff_with(codename):
    user = User.objects.create_user(email=f"{codename}@example.com", password=PASSWORD, is_staff=True)
    if codename:
        user.user_permissions.add(Permission.objects.get(codename=codename))
    return user


@pytest.fixture
def finance_client(client, db):
    client.force_login(staff_with("manage_payouts"))
    return client


@pytest.fixture
def busy_campaign(register, company, other_company, campaign, installer, staff):
    """Registrations of two companies from every source, in every status."""
    for n in range(1, 6):
        register(f"10000000{n:02d}", source=Source.WEB)
    for n in range(6, 9):
        register(f"10000000{n:02d}", source=Source.API)
    register("1999999999", source=Source.WEB)  # unknown serial
    register("2000000001", product_code="STP10.0-3SE-40", source=Source.EXCEL)  # another model's serial
    luc = other_company.memberships.get().user
    register("2000000002", product_code="HM-20", company=other_company, user=luc, source=Source.PORTAL, country="BE",
             postcode="4000")
    asked = register("1000000020", source=Source.EXCEL)
    documents.request_documents(asked, actor=staff, note="The invoice, please.")
    reviewed = receive_documents(Registration.objects.get(pk=asked.pk), installer)
    documents.approve(reviewed, actor=staff)
    waiting = register("1000000021", source=Source.EXCEL)
    documents.request_documents(waiting, actor=staff, note="The invoice, please.")
    receive_documents(Registration.objects.get(pk=waiting.pk), installer)
    return campaign


def test_it_takes_staff_and_finance_to_their_desk(staff_client, finance_client, campaign):
    assert staff_client.get("/").url == "/staff/"
    page = staff_client.get("/staff/").content.decode()
    assert "Campaign desk" in page and 'href="/review/"' in page and 'href="/finance/"' in page
    finance = finance_client.get("/staff/").content.decode()
    assert 'href="/finance/"' in finance and 'href="/review/"' not in finance  # what they may open


def test_it_refuses_installers_and_sends_other_staff_to_the_admin(installer_client, db, campaign):
    assert installer_client.get("/staff/").status_code == 403
    assert client_for(staff_with(None)).get("/staff/").url == "/admin/"
    assert client_for(None).get("/staff/").url.startswith("/login/")
    assert installer_client.get("/staff/figures/registrations.xlsx").status_code == 403


def client_for(user):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    if user:
        client.force_login(user)
    return client


def test_it_shows_figures_that_equal_plain_counts(busy_campaign, staff_client):
    selection = selectors.default_selection(busy_campaign, timezone.localdate())
    shown = {figure.name: figure for figure in selectors.figures(selection, timezone.now())}
    registrations = Registration.objects.filter(campaign=busy_campaign)

    numbers = dict(shown["registrations"].numbers)
    assert numbers["Registrations"] == registrations.count() == 13
    for source in Source:
        assert numbers.get(source.label, 0) == registrations.filter(source=source).count()
    by_status = shown["registrations"].charts[1]["datasets"]
    for dataset in by_status:
        assert sum(dataset["data"]) == registrations.filter(status=dataset["key"]).count()

    cash = dict(shown["cashback"].numbers)
    committed = registrations.filter(status__in=CLAIM_STATUSES).aggregate(s=Sum("amount_cents"))["s"]
    assert int(cash["Committed"]) == committed == 10 * 20000 + 5000
    assert str(cash["Committed"]) == "€ 2,050.00"

    reasons = {row[0]: row[1] for row in shown["reasons"].rows}
    assert reasons == {str(Reason(r).label): n for r, n in registrations.filter(
        status=Status.NOT_REGISTRABLE).values_list("reason").annotate(n=Count("id"))}

    review = dict(shown["review"].numbers)
    assert review["Waiting for review"] == registrations.filter(status=Status.IN_REVIEW).count() == 1
    assert review["Decided in the period"] == 1 and review["Approved"] == "100%"

    companies = shown["companies"].rows
    assert [(row[0], row[1]) for row in companies] == [("Zonnewerk B.V.", 10), ("Soleil SRL", 1)]  # held, not refused
    assert companies[0][3] == "100200"

    belgium = selectors.Selection(busy_campaign, selection.start, selection.end, "BE")
    assert dict(selectors.figures(belgium, timezone.now())[0].numbers)["Registrations"] == 1


def test_it_counts_the_figures_in_the_same_queries_for_few_or_many(busy_campaign, staff_client, register,
                                                                    count_queries):
    few = count_queries(lambda: staff_client.get("/staff/"))
    register_devices(company=busy_campaign.enrolments.first().company, source=Source.EXCEL, rows=[
        DeviceRow(f"40000000{n:02d}", "STP5.0-3SE-40", date(2026, 5, 1), "3511 AB", "NL") for n in range(1, 60)])
    assert count_queries(lambda: staff_client.get("/staff/")) == few


def test_it_offers_every_figure_as_a_workbook(busy_campaign, staff_client):
    for name in selectors.FIGURES:
        response = staff_client.get(f"/staff/figures/{name}.xlsx?campaign={busy_campaign.pk}&country=NL")
        assert response.status_code == 200, name
        sheet = load_workbook(io.BytesIO(response.content)).active
        rows = [tuple(v for v in row if v is not None) for row in sheet.iter_rows(values_only=True)]
        assert rows[1] == ("Campaign", "SMA Cashback 2026") and rows[3] == ("Country", "NL")
    cash = load_workbook(io.BytesIO(staff_client.get("/staff/figures/cashback.xlsx").content)).active
    committed = [row for row in cash.iter_rows() if row[0].value == "Committed"][0][1]
    assert committed.value == 2050 and "€" in committed.number_format  # euros as a number
    assert staff_client.get("/staff/figures/nothing.xlsx").status_code == 404


def test_it_shows_the_page_in_dutch_and_french(busy_campaign, staff_client):
    for language, word in (("nl", "Registraties"), ("fr", "Enregistrements")):
        staff_client.post("/i18n/setlang/", {"language": language})
        page = staff_client.get("/staff/").content.decode()
        assert f'lang="{language}"' in page and word in page


# The tally ---------------------------------------------------------------------------------


def plain_counts():
    """What the tallies should say, from the registrations and their history themselves."""
    registrations = Registration.objects.annotate(day=TruncDate("created_at"))
    days = registrations.values("campaign", "day", "country", "source", "status").annotate(
        n=Count("id"), amount=Sum("amount_cents"))
    companies = Registration.objects.values("campaign", "company", "country", "status").annotate(
        n=Count("id"), amount=Sum("amount_cents"))
    moves = StatusChange.objects.exclude(from_status="").annotate(day=TruncDate("created_at")).values(
        "registration__campaign", "day", "registration__country", "from_status", "to_status", "reason").annotate(
        n=Count("id"))
    return (
        {tuple(r[k] for k in ("campaign", "day", "country", "source", "status")): (r["n"], r["amount"] or 0)
         for r in days},
        {tuple(r[k] for k in ("campaign", "company", "country", "status")): (r["n"], r["amount"] or 0)
         for r in companies},
        {tuple(r[k] for k in ("registration__campaign", "day", "registration__country", "from_status", "to_status",
                              "reason")): r["n"] for r in moves},
    )


def tallied():
    days = DayTally.objects.values("campaign", "day", "country", "source", "status").annotate(
        n=Sum("registrations"), amount=Sum("amount_cents"))
    companies = CompanyTally.objects.values("campaign", "company", "country", "status").annotate(
        n=Sum("registrations"), amount=Sum("amount_cents"))
    moves = MoveTally.objects.values("campaign", "day", "country", "from_status", "to_status", "reason").annotate(
        n=Sum("moves"))
    return (
        {tuple(r[k] for k in ("campaign", "day", "country", "source", "status")): (r["n"], r["amount"])
         for r in days if r["n"] or r["amount"]},
        {tuple(r[k] for k in ("campaign", "company", "country", "status")): (r["n"], r["amount"])
         for r in companies if r["n"] or r["amount"]},
        {tuple(r[k] for k in ("campaign", "day", "country", "from_status", "to_status", "reason")): r["n"]
         for r in moves if r["n"]},
    )


def test_the_tally_stays_equal_to_the_registrations_whatever_happens_to_them(
    register, company, other_company, installer, staff, campaign, time_machine,
):
    rng = random.Random(15)
    serials = [f"10000000{n:02d}" for n in range(1, 99)]
    rng.shuffle(serials)
    luc = other_company.memberships.get().user
    for step in range(40):
        action = rng.choice(["register", "register", "bulk", "request", "documents", "approve", "reject", "update",
                             "delete", "next day"])
        mine = list(Registration.objects.filter(company=company))
        if action == "register" and serials:
            who = rng.choice([(company, installer), (other_company, luc)])
            register(serials.pop(), company=who[0], user=who[1], source=rng.choice(Source.values))
        elif action == "bulk" and len(serials) > 5:
            register_devices(company=company, source=Source.EXCEL, user=installer, rows=[
                DeviceRow(serials.pop(), "STP10.0-3SE-40", date(2026, 5, 1), "3511 AB", rng.choice(["NL", "BE"]))
                for _ in range(5)] + [DeviceRow("1999999999", "STP10.0-3SE-40", date(2026, 5, 1), "3511 AB", "NL")])
        elif action == "request" and (accepted := [r for r in mine if r.status == Status.ACCEPTED]):
            documents.request_documents(rng.choice(accepted), actor=staff, note="Please.")
        elif action == "documents" and (asked := [r for r in mine if r.status == Status.MORE_INFO]):
            receive_documents(rng.choice(asked), installer)
        elif action in ("approve", "reject") and (queue := [r for r in mine if r.status == Status.IN_REVIEW]):
            chosen = rng.choice(queue)
            if action == "approve":
                documents.approve(chosen, actor=staff)
            else:
                documents.reject(chosen, actor=staff, note="No invoice.")
        elif action == "update" and mine:
            # Any write counts, also one past the services (the moves keep the country they had then).
            fresh = [r for r in mine if not r.history.exclude(from_status="").exists()] or mine
            Registration.objects.filter(pk=rng.choice(fresh).pk).update(country="LU", amount_cents=12345)
        elif action == "delete" and (plain := [r for r in mine if r.status == Status.ACCEPTED]):
            chosen = rng.choice(plain)
            StatusChange.objects.filter(registration=chosen).delete()
            chosen.delete()
        elif action == "next day":
            time_machine.shift(timedelta(hours=rng.choice([5, 13, 30])))
        assert tallied() == plain_counts(), f"after step {step}: {action}"
    assert Registration.objects.count() > 10


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_the_tallies_are_tables_kept_by_the_database_on_postgresql(register):
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname, relkind FROM pg_class WHERE relname LIKE 'registrations_%tally' ORDER BY 1")
        assert cursor.fetchall() == [("registrations_companytally", "r"), ("registrations_daytally", "r"),
                                     ("registrations_movetally", "r")]
    register("1000000001")
    assert DayTally.objects.get().registrations == CompanyTally.objects.get().registrations == 1


def test_it_shows_the_budget_used_and_left(busy_campaign, staff_client):
    busy_campaign.budget_cents = 500000
    busy_campaign.company_cap_devices = 40
    busy_campaign.save()
    numbers = dict(selectors.figure(selectors.default_selection(busy_campaign, timezone.localdate()), "cashback",
                                    timezone.now()).numbers)
    assert str(numbers["Budget"]) == "€ 5,000.00" and numbers["Budget used"] == "41%"
    assert str(numbers["Budget left"]) == "€ 2,950.00" and numbers["Limit per company"] == "40 devices"
    page = staff_client.get("/staff/").content.decode()
    assert "Budget left" in page and "€ 2,950.00" in page


# What the review found -------------------------------------------------------------------------


def test_paid_counts_by_the_day_of_payment_and_batches_only_with_the_campaigns_amounts(
    register, company, campaign, products, time_machine,
):
    bank.set_bank_account(company, iban="NL91 ABNA 0417 1643 00", bic="ABNANL2A", holder="Zonnewerk", user=None)
    other = Campaign.objects.create(name="Other", slug="other", installation_starts_on=date(2025, 1, 1),
                                    installation_ends_on=date(2025, 12, 31), registration_deadline=date(2026, 12, 31))
    CampaignProduct.objects.create(campaign=other, product=products["STP10.0-3SE-40"], amount_cents=7000)
    Enrolment.objects.create(company=company, campaign=other, accepted_by=company.memberships.first().user)
    register("1000000001")  # € 200 in this campaign, registered in June
    register("1000000002", installed_on=date(2025, 6, 1))  # € 70 in the other campaign
    time_machine.shift(timedelta(days=40))
    alice, bob = finance_user("alice@example.com"), finance_user("bob@example.com")
    batch = payouts.create_batch(ALL, actor=alice)  # both campaigns' registrations, paid in July
    payouts.approve_batch(batch, actor=bob)
    payouts.export_batch(batch, actor=alice, execution_date=timezone.localdate())
    payouts.mark_paid(batch, actor=bob, executed_on=timezone.localdate())
    register("1000000003")
    payouts.create_batch(ALL, actor=User.objects.get(email="alice@example.com"))  # in progress: € 200

    july = selectors.Selection(campaign, date(2026, 7, 1), date(2026, 7, 31))
    shown = {f.name: f for f in selectors.figures(july, timezone.now())}
    assert int(dict(shown["cashback"].numbers)["Paid"]) == 20000  # registered in June, paid in July
    by_state = {row[0]: row[1:] for row in shown["payouts"].rows}
    assert by_state["Paid"] == [1, 1, 20000] and by_state["Waiting for approval"] == [1, 1, 20000]


def test_a_company_whose_devices_were_all_refused_since_is_not_among_the_top(register, company, staff, campaign):
    registration = register("1000000001")
    documents.request_documents(registration, actor=staff, note="Invoice?")
    documents.reject(receive_documents(Registration.objects.get(pk=registration.pk), company.memberships.get().user),
                     actor=staff, note="No.")
    top = selectors.figure(selectors.default_selection(campaign, timezone.localdate()), "companies", timezone.now())
    assert top.rows == []


def test_the_tallies_follow_a_registration_corrected_into_another_country(register, company, installer, staff):
    wrong = register("2000000005", product_code="STP10.0-3SE-40")  # the serial of an HM-20
    assert wrong.reason == Reason.MODEL_MISMATCH
    register("2000000005", product_code="HM-20", country="BE", postcode="4000")  # decided again, in Belgium
    assert tallied() == plain_counts()
    registration = Registration.objects.get(serial="2000000005")
    documents.request_documents(registration, actor=staff, note="Invoice?")
    Registration.objects.filter(pk=registration.pk).update(country="LU")
    assert tallied() == plain_counts()
    StatusChange.objects.filter(registration=registration).delete()
    registration.delete()
    assert tallied() == plain_counts()
