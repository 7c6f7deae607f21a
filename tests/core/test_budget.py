"""A campaign's budget and a company's limit, kept by the database: what is committed never
goes over, and always equals the registrations that hold an amount."""

import random
from datetime import date

import pytest
from django.core import mail
from django.db import connection
from django.db.models import Sum
from django.utils import translation

from registrations.core.choices import CLAIM_STATUSES, Reason, Source, Status
from registrations.core.models import Registration
from registrations.core.registering import _Registrar, register_devices, register_eligible_devices
from registrations.core.rows import DeviceRow
from registrations.core.tallies import CompanyTally
from registrations.core.wording import describe
from registrations.documents import services as documents
from tests.conftest import make_company
from tests.files import receive_documents
from tests.test_concurrency import race

AMOUNT = 20000  # STP10.0-3SE-40 in the test campaign


def rows(first, count, product="STP10.0-3SE-40"):
    return [DeviceRow(f"10000000{n:02d}", product, date(2026, 5, 1), "3511 AB", "NL") for n in range(first, first + count)]


def committed(campaign):
    return Registration.objects.filter(campaign=campaign, status__in=CLAIM_STATUSES).aggregate(
        s=Sum("amount_cents"))["s"] or 0


def tallied(campaign):
    return CompanyTally.objects.filter(campaign=campaign, status__in=CLAIM_STATUSES).aggregate(
        s=Sum("amount_cents"))["s"] or 0


def test_a_budget_registers_what_it_can_pay_and_refuses_the_rest_with_why(company, installer, campaign):
    campaign.budget_cents = 3 * AMOUNT
    campaign.save()
    outcomes = register_devices(company=company, rows=rows(1, 5), source=Source.EXCEL, user=installer)
    assert [o.decision.status for o in outcomes] == [Status.ACCEPTED] * 3 + [Status.NOT_REGISTRABLE] * 2
    assert {o.decision.reason for o in outcomes[3:]} == {Reason.BUDGET_USED_UP}
    assert committed(campaign) == tallied(campaign) == 3 * AMOUNT
    refused = Registration.objects.get(serial="1000000004")
    for language, text in (("en", "The budget of SMA Cashback 2026 is used up"),
                           ("nl", "Het budget van SMA Cashback 2026 is op"),
                           ("fr", "Le budget de SMA Cashback 2026 est épuisé")):
        with translation.override(language):
            assert text in describe(refused), language


def test_a_rejected_registration_gives_its_amount_back(company, installer, campaign, staff):
    campaign.budget_cents = 2 * AMOUNT
    campaign.save()
    first, _second = register_devices(company=company, rows=rows(1, 2), source=Source.WEB, user=installer)
    [late] = register_devices(company=company, rows=rows(3, 1), source=Source.WEB, user=installer)
    assert late.decision.reason == Reason.BUDGET_USED_UP

    asked = Registration.objects.get(pk=first.registration_id)
    documents.request_documents(asked, actor=staff, note="The invoice, please.")
    documents.reject(receive_documents(asked, installer), actor=staff, note="Not this installation.")
    assert committed(campaign) == tallied(campaign) == AMOUNT

    [again] = register_devices(company=company, rows=rows(4, 1), source=Source.WEB, user=installer)
    assert again.decision.status == Status.ACCEPTED
    assert committed(campaign) == 2 * AMOUNT


def test_a_company_limit_stops_that_company_only(company, other_company, installer, campaign):
    campaign.company_cap_devices = 2
    campaign.save()
    outcomes = register_devices(company=company, rows=rows(1, 3), source=Source.EXCEL, user=installer)
    assert [o.decision.reason for o in outcomes] == [Reason.ELIGIBLE, Reason.ELIGIBLE, Reason.COMPANY_LIMIT_REACHED]
    with translation.override("en"):
        assert "reached the campaign's limit of 2 devices" in describe(Registration.objects.get(serial="1000000003"))
    luc = other_company.memberships.get().user
    theirs = register_devices(company=other_company, rows=rows(10, 2), source=Source.EXCEL, user=luc)
    assert all(o.decision.status == Status.ACCEPTED for o in theirs)


def test_a_limit_of_cashback_per_company_counts_euros(company, installer, campaign):
    campaign.company_cap_cents = AMOUNT + 5000
    campaign.save()
    outcomes = register_devices(company=company, rows=rows(1, 1) + [
        DeviceRow("2000000001", "HM-20", date(2026, 5, 1), "3511 AB", "NL"),  # € 50
        DeviceRow("2000000002", "HM-20", date(2026, 5, 1), "3511 AB", "NL")], source=Source.EXCEL, user=installer)
    assert [o.decision.status for o in outcomes] == [Status.ACCEPTED, Status.ACCEPTED, Status.NOT_REGISTRABLE]
    with translation.override("en"):
        assert "limit of € 250.00 cashback" in describe(Registration.objects.get(serial="2000000002"))


def test_the_campaign_team_hears_once_at_90_percent_and_once_when_it_is_used_up(
    company, installer, campaign, staff, django_capture_on_commit_callbacks,
):
    campaign.budget_cents = 10 * AMOUNT
    campaign.save()
    staff.language = "en"
    staff.save()
    with django_capture_on_commit_callbacks(execute=True):
        register_devices(company=company, rows=rows(1, 8), source=Source.EXCEL, user=installer)
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        register_devices(company=company, rows=rows(9, 1), source=Source.EXCEL, user=installer)
    [ninety] = mail.outbox
    assert ninety.to == [staff.email] and "90% committed" in ninety.subject
    assert "€ 1,800.00 of its budget of € 2,000.00" in ninety.body and "/staff/?campaign=" in ninety.body
    with django_capture_on_commit_callbacks(execute=True):
        register_devices(company=company, rows=rows(10, 3), source=Source.EXCEL, user=installer)
        register_devices(company=company, rows=rows(30, 2), source=Source.EXCEL, user=installer)
    assert [m.subject for m in mail.outbox[1:]] == ["The budget of SMA Cashback 2026 is used up"]
    assert committed(campaign) == 10 * AMOUNT


def test_what_is_committed_equals_the_registrations_that_hold_it_after_any_sequence(
    company, other_company, installer, campaign, staff,
):
    campaign.budget_cents = 25 * AMOUNT
    campaign.company_cap_devices = 18
    campaign.save()
    rng = random.Random(14)
    luc = other_company.memberships.get().user
    next_serial = iter(range(1, 99))
    for step in range(40):
        action = rng.choice(["upload", "upload", "sync", "request", "documents", "approve", "reject"])
        mine = list(Registration.objects.filter(company=company))
        if action in ("upload", "sync"):
            who, user = rng.choice([(company, installer), (other_company, luc)])
            batch = [DeviceRow(f"10000000{next(next_serial):02d}", "STP10.0-3SE-40", date(2026, 5, 1), "3511 AB",
                               "NL") for _ in range(rng.randint(1, 4))]
            if action == "upload":
                register_devices(company=who, rows=batch, source=Source.EXCEL, user=user)
            else:
                register_eligible_devices(company=who, rows=batch, source=Source.PORTAL, job="portal_sync")
        elif action == "request" and (accepted := [r for r in mine if r.status == Status.ACCEPTED]):
            documents.request_documents(rng.choice(accepted), actor=staff, note="Please.")
        elif action == "documents" and (asked := [r for r in mine if r.status == Status.MORE_INFO]):
            receive_documents(rng.choice(asked), installer)
        elif action in ("approve", "reject") and (queue := [r for r in mine if r.status == Status.IN_REVIEW]):
            if action == "approve":
                documents.approve(rng.choice(queue), actor=staff)
            else:
                documents.reject(rng.choice(queue), actor=staff, note="No.")
        assert committed(campaign) == tallied(campaign) <= campaign.budget_cents, f"step {step}: {action}"
        assert Registration.objects.filter(company=company, status__in=CLAIM_STATUSES).count() <= 18
    assert Registration.objects.filter(reason=Reason.BUDGET_USED_UP).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_uploads_and_the_sync_at_once_never_commit_more_than_the_budget(company, other_company, campaign,
                                                                          known, products):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent transactions are tested on PostgreSQL (set DATABASE_URL)")
    for n in range(1, 100):
        known(f"60000{n:05d}", "STP10.0-3SE-40")
        known(f"70000{n:05d}", "STP10.0-3SE-40")
    third = make_company(campaign, name="Derde B.V.", customer_number="300400", email="derde@example.com")
    campaign.budget_cents = 120 * AMOUNT
    campaign.save()

    def devices(prefix, first, last):
        return [DeviceRow(f"{prefix}{n:05d}", "STP10.0-3SE-40", date(2026, 5, 1), "3511 AB", "NL")
                for n in range(first, last)]

    installer, luc = company.memberships.get().user, other_company.memberships.get().user
    results = race(
        lambda: register_devices(company=company, rows=devices("60000", 1, 100), source=Source.EXCEL, user=installer),
        lambda: register_devices(company=other_company, rows=devices("70000", 1, 100), source=Source.EXCEL, user=luc),
        lambda: register_eligible_devices(company=third, rows=rows(1, 99), source=Source.PORTAL, job="portal_sync"),
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    assert committed(campaign) == tallied(campaign) == 120 * AMOUNT  # all 297 wanted it; 120 fit
    # The uploads keep what they could not register (the sync keeps only what it registers).
    assert Registration.objects.filter(reason=Reason.BUDGET_USED_UP).count() >= 2 * 99 - 120


def test_a_budget_set_while_registering_was_under_way_counts(company, installer, campaign):
    stale = list(type(campaign).objects.filter(pk=campaign.pk))  # as registering read it, before the budget
    type(campaign).objects.filter(pk=campaign.pk).update(budget_cents=AMOUNT)
    outcomes = _Registrar(company, stale, Source.WEB, installer, "").run(rows(1, 2))
    assert [o.decision.status for o in outcomes] == [Status.ACCEPTED, Status.NOT_REGISTRABLE]
