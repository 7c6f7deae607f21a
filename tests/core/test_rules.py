"""The rules engine, case by case, without a database."""

from datetime import date
from decimal import Decimal

import pytest

from devices.models import Campaign, CampaignProduct, ProductFamily, ProductModel
from registrations.core.choices import Reason, Status
from registrations.core.rules import Facts, decide

FAMILY = ProductFamily(pk=1, code="stp-se", name="Sunny Tripower Smart Energy", serial_length=10)
STP10 = ProductModel(pk=1, code="STP10.0-3SE-40", family=FAMILY)
STP5 = ProductModel(pk=2, code="STP5.0-3SE-40", family=FAMILY)


def campaign(**overrides):
    values = dict(
        pk=1, name="SMA Cashback 2026", slug="cashback-2026",
        installation_starts_on=date(2026, 1, 1), installation_ends_on=date(2026, 12, 31),
        registration_deadline=date(2027, 1, 31), audit_sample_percent=Decimal("0"),
        volume_check_threshold=None, volume_check_window_days=30, document_deadline_days=14,
    )
    values.update(overrides)
    return Campaign(**values)


def facts(**overrides):
    the_campaign = overrides.pop("campaign", None) or campaign()
    values = dict(
        serial="1000000001",
        product=STP10,
        known_product=STP10,
        campaign=the_campaign,
        campaign_product=CampaignProduct(campaign=the_campaign, product=STP10, amount_cents=20000),
        installed_on=date(2026, 5, 1),
        registered_on=date(2026, 6, 15),
    )
    values.update(overrides)
    return Facts(**values)


def test_it_accepts_a_known_serial_of_an_eligible_product_in_the_period():
    decision = decide(facts())
    assert (decision.status, decision.reason, decision.amount_cents) == (Status.ACCEPTED, Reason.ELIGIBLE, 20000)
    assert decision.params == {}  # serial, product and campaign are the registration's own fields


def test_it_refuses_an_unknown_serial():
    decision = decide(facts(known_product=None))
    assert (decision.status, decision.reason) == (Status.NOT_REGISTRABLE, Reason.UNKNOWN_SERIAL)
    assert decision.amount_cents is None


def test_it_refuses_a_serial_known_as_another_model_and_names_that_model():
    decision = decide(facts(known_product=STP5))
    assert (decision.status, decision.reason) == (Status.NOT_REGISTRABLE, Reason.MODEL_MISMATCH)
    assert decision.params["known_product"] == "STP5.0-3SE-40"


def test_it_refuses_a_product_that_is_not_in_the_campaign():
    decision = decide(facts(campaign_product=None))
    assert (decision.status, decision.reason) == (Status.NOT_REGISTRABLE, Reason.PRODUCT_NOT_ELIGIBLE)


@pytest.mark.parametrize("installed_on", [date(2025, 12, 31), date(2027, 1, 1)])
def test_it_refuses_an_installation_outside_the_period(installed_on):
    decision = decide(facts(installed_on=installed_on))
    assert (decision.status, decision.reason) == (Status.NOT_REGISTRABLE, Reason.INSTALLED_OUTSIDE_PERIOD)
    assert decision.params["period_start"] == "2026-01-01"
    assert decision.params["installed_on"] == installed_on.isoformat()


@pytest.mark.parametrize("installed_on", [date(2026, 1, 1), date(2026, 12, 31)])
def test_it_accepts_the_first_and_last_day_of_the_period(installed_on):
    assert decide(facts(installed_on=installed_on)).status == Status.ACCEPTED


def test_it_refuses_a_registration_after_the_deadline_and_accepts_one_on_the_last_day():
    late = decide(facts(registered_on=date(2027, 2, 1)))
    assert (late.status, late.reason) == (Status.NOT_REGISTRABLE, Reason.REGISTRATION_CLOSED)
    assert late.params["deadline"] == "2027-01-31"
    assert decide(facts(registered_on=date(2027, 1, 31))).status == Status.ACCEPTED


def test_it_asks_for_documents_when_another_company_claims_the_serial():
    decision = decide(facts(claimed_by_other_company=True))
    assert (decision.status, decision.reason) == (Status.MORE_INFO, Reason.CLAIMED_BY_OTHER_COMPANY)
    assert decision.amount_cents == 20000
    assert decision.needs_documents


def test_it_asks_for_documents_for_a_product_that_always_needs_them():
    the_campaign = campaign()
    line = CampaignProduct(campaign=the_campaign, product=STP10, amount_cents=20000, requires_documents=True)
    decision = decide(facts(campaign=the_campaign, campaign_product=line))
    assert (decision.status, decision.reason) == (Status.MORE_INFO, Reason.PRODUCT_CHECK)


def test_it_asks_for_documents_once_the_company_reaches_the_volume_threshold():
    the_campaign = campaign(volume_check_threshold=3)
    assert decide(facts(campaign=the_campaign, company_volume=2)).status == Status.ACCEPTED
    decision = decide(facts(campaign=the_campaign, company_volume=3))
    assert (decision.status, decision.reason) == (Status.MORE_INFO, Reason.VOLUME_CHECK)
    assert decision.params["threshold"] == 3


def test_it_asks_for_documents_when_the_audit_sample_picks_the_serial():
    the_campaign = campaign(audit_sample_percent=Decimal("100"))
    decision = decide(facts(campaign=the_campaign))
    assert (decision.status, decision.reason) == (Status.MORE_INFO, Reason.AUDIT_SAMPLE)


def test_the_audit_sample_is_stable_and_about_the_configured_share():
    the_campaign = campaign(audit_sample_percent=Decimal("10"))
    serials = [f"{n:010d}" for n in range(10000)]
    picked = [s for s in serials if the_campaign.audit_selects(s)]
    assert 800 < len(picked) < 1200
    assert picked == [s for s in serials if the_campaign.audit_selects(s)]
    assert not campaign(audit_sample_percent=Decimal("0")).audit_selects("0000000001")


def test_refusals_win_over_document_checks():
    """An unknown serial is not registrable even when another company claims it too."""
    decision = decide(facts(known_product=None, claimed_by_other_company=True))
    assert decision.status == Status.NOT_REGISTRABLE
    outside = decide(facts(installed_on=date(2025, 6, 1), claimed_by_other_company=True))
    assert outside.reason == Reason.INSTALLED_OUTSIDE_PERIOD


# The campaign's budget and a company's limit ------------------------------------------------


def test_a_registration_over_the_budget_is_not_registrable():
    assert decide(facts(budget_left_cents=20000)).status == Status.ACCEPTED  # exactly what is left
    decision = decide(facts(budget_left_cents=19999))
    assert (decision.status, decision.reason, decision.amount_cents) == (
        Status.NOT_REGISTRABLE, Reason.BUDGET_USED_UP, None)


def test_a_company_at_its_limit_of_devices_or_cashback_is_told_the_limit():
    limited = campaign(company_cap_devices=25, company_cap_cents=500000)
    assert decide(facts(campaign=limited, company_devices_left=1, company_cents_left=20000)).status == Status.ACCEPTED
    devices = decide(facts(campaign=limited, company_devices_left=0))
    assert (devices.reason, devices.params) == (Reason.COMPANY_LIMIT_REACHED, {"devices": 25})
    cents = decide(facts(campaign=limited, company_cents_left=19999))
    assert (cents.reason, cents.params) == (Reason.COMPANY_LIMIT_REACHED, {"cents": 500000})


def test_the_budget_is_checked_after_what_the_installer_can_fix():
    # An unknown serial says so, not "budget used up": correcting it is worth the installer's time.
    assert decide(facts(known_product=None, budget_left_cents=0)).reason == Reason.UNKNOWN_SERIAL
