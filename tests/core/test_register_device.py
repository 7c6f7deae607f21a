"""register_device / register_devices: the one path every source registers through."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from cashback.errors import InvalidInput
from devices.models import CampaignProduct
from devices.serials import InvalidSerial
from registrations.core import registering, rules
from registrations.core.choices import Reason, Source, Status
from registrations.core.errors import DuplicateRegistration, NotEnrolled, UnknownProduct
from registrations.core.models import Registration, StatusChange
from registrations.core.registering import decide_devices, register_devices
from registrations.core.rows import DeviceRow
from tests.conftest import make_company

AMS = ZoneInfo("Europe/Amsterdam")


def test_it_registers_an_eligible_device_with_amount_and_history(register, installer):
    registration = register(reference="Order 17")
    assert registration.status == Status.ACCEPTED
    assert registration.reason == Reason.ELIGIBLE
    assert registration.amount_cents == 20000
    assert registration.known_device.serial == "1000000001"
    assert registration.source == Source.WEB
    assert registration.created_by == installer
    assert registration.reference == "Order 17"
    assert registration.documents_due_at is None
    [change] = registration.history.all()
    assert (change.from_status, change.to_status, change.reason) == ("", Status.ACCEPTED, Reason.ELIGIBLE)
    assert change.actor == installer


def test_it_cleans_the_serial_postcode_and_product_type(register):
    registration = register(serial=" SN: 1000 000 002 ", product_code="stp10.0-3se-40", postcode="3511ab")
    assert registration.serial == "1000000002"
    assert registration.postcode == "3511 AB"
    assert registration.product.code == "STP10.0-3SE-40"


def test_it_keeps_leading_zeros(register, known):
    known("0000000042")
    assert register(serial="0000000042").serial == "0000000042"


@pytest.mark.parametrize("serial, message", [
    ("10000000AB", "digits only"),
    ("12345", "has 5 digits"),
    ("", "Enter the serial number"),
])
def test_it_refuses_a_malformed_serial_and_stores_nothing(register, serial, message):
    with pytest.raises(InvalidSerial, match=message):
        register(serial=serial)
    assert not Registration.objects.exists()


def test_serial_length_is_configured_per_family(register, families, known):
    families["shm"].serial_length = 12
    families["shm"].save()
    known("200000000001", "HM-20")
    assert register(serial="200000000001", product_code="HM-20").status == Status.ACCEPTED
    with pytest.raises(InvalidSerial, match="12 digits"):
        register(serial="2000000001", product_code="HM-20")


def test_it_refuses_an_unknown_product_type(register):
    with pytest.raises(UnknownProduct):
        register(product_code="XYZ-1")


@pytest.mark.parametrize("field, value", [("postcode", "ABC"), ("country", "DE")])
def test_it_refuses_a_bad_postcode_or_country(register, field, value):
    with pytest.raises(InvalidInput) as caught:
        register(**{field: value})
    assert caught.value.field == field


def test_it_refuses_an_installation_date_in_the_future(register):
    with pytest.raises(InvalidInput, match="future"):
        register(installed_on=date(2026, 6, 16))


def test_an_unknown_serial_is_not_registrable(register):
    registration = register(serial="1999999999")
    assert (registration.status, registration.reason) == (Status.NOT_REGISTRABLE, Reason.UNKNOWN_SERIAL)
    assert registration.amount_cents is None
    assert registration.known_device is None


def test_a_serial_of_another_model_is_not_registrable(register):
    registration = register(serial="4000000001")  # an STP5.0 claimed as STP10.0
    assert (registration.status, registration.reason) == (Status.NOT_REGISTRABLE, Reason.MODEL_MISMATCH)
    assert registration.reason_params["known_product"] == "STP5.0-3SE-40"


def test_a_product_outside_the_campaign_is_not_registrable(register):
    registration = register(serial="5000000001", product_code="SB3.0-1AV-41")
    assert (registration.status, registration.reason) == (Status.NOT_REGISTRABLE, Reason.PRODUCT_NOT_ELIGIBLE)


def test_an_installation_outside_the_period_is_not_registrable(register):
    registration = register(installed_on=date(2025, 12, 20))
    assert (registration.status, registration.reason) == (Status.NOT_REGISTRABLE, Reason.INSTALLED_OUTSIDE_PERIOD)


def test_a_registration_after_the_deadline_is_not_registrable(register, time_machine):
    time_machine.move_to(datetime(2027, 2, 1, 9, tzinfo=AMS))
    registration = register(installed_on=date(2026, 11, 1))
    assert (registration.status, registration.reason) == (Status.NOT_REGISTRABLE, Reason.REGISTRATION_CLOSED)


def test_the_deadline_day_itself_counts_in_amsterdam_time(register, time_machine):
    time_machine.move_to(datetime(2027, 1, 31, 23, 59, tzinfo=AMS))
    assert register(installed_on=date(2026, 11, 1)).status == Status.ACCEPTED


def test_a_duplicate_of_the_same_company_is_refused_and_changes_nothing(register):
    first = register()
    with pytest.raises(DuplicateRegistration) as caught:
        register(installed_on=date(2026, 5, 2))
    assert caught.value.registration == first
    assert Registration.objects.count() == 1
    assert StatusChange.objects.count() == 1
    first.refresh_from_db()
    assert first.installed_on == date(2026, 5, 1)


def test_a_serial_claimed_by_another_company_needs_documents(register, other_company):
    register()
    other_user = other_company.memberships.get().user
    claim = register(company=other_company, user=other_user, postcode="4000", country="BE")
    assert (claim.status, claim.reason) == (Status.MORE_INFO, Reason.CLAIMED_BY_OTHER_COMPANY)
    assert claim.amount_cents == 20000


def test_a_refused_claim_of_another_company_does_not_count(register, other_company):
    register(installed_on=date(2025, 1, 1))  # not registrable: outside the period
    other_user = other_company.memberships.get().user
    assert register(company=other_company, user=other_user).status == Status.ACCEPTED


def test_documents_are_due_at_the_end_of_the_14th_day(register, campaign):
    CampaignProduct.objects.filter(campaign=campaign).update(requires_documents=True)
    registration = register()
    assert registration.status == Status.MORE_INFO
    assert registration.reason == Reason.PRODUCT_CHECK
    assert registration.documents_due_at == datetime(2026, 6, 30, 0, 0, tzinfo=AMS)


def test_volume_threshold_asks_documents_from_the_nth_device(register, campaign):
    campaign.volume_check_threshold = 2
    campaign.save()
    statuses = [register(serial=f"10000000{n:02d}").status for n in range(1, 5)]
    assert statuses == [Status.ACCEPTED, Status.ACCEPTED, Status.MORE_INFO, Status.MORE_INFO]


def test_the_amount_is_fixed_at_decision_time(register, campaign, products):
    registration = register()
    CampaignProduct.objects.filter(campaign=campaign, product=products["STP10.0-3SE-40"]).update(amount_cents=1)
    registration.refresh_from_db()
    assert registration.amount_cents == 20000
    assert register(serial="1000000002").amount_cents == 1


def test_a_company_that_is_not_enrolled_cannot_register(register, campaign, known):
    outsider = make_company(None, customer_number="999", email="x@outsider.example")
    with pytest.raises(NotEnrolled):
        register(company=outsider, user=outsider.memberships.get().user)
    assert not Registration.objects.exists()


def test_a_corrected_registration_is_decided_again_with_history(register):
    wrong = register(serial="4000000001")  # STP5.0 registered as STP10.0
    assert wrong.reason == Reason.MODEL_MISMATCH
    fixed = register(serial="4000000001", product_code="STP5.0-3SE-40")
    assert fixed.pk == wrong.pk
    assert (fixed.status, fixed.amount_cents) == (Status.ACCEPTED, 10000)
    changes = list(fixed.history.values_list("from_status", "to_status"))
    assert changes == [("", Status.NOT_REGISTRABLE), (Status.NOT_REGISTRABLE, Status.ACCEPTED)]
    assert fixed.history.last().reason == Reason.CORRECTED


def test_a_date_outside_the_period_cannot_be_corrected_by_registering_again(register):
    register(installed_on=date(2025, 12, 20))
    with pytest.raises(DuplicateRegistration):
        register(installed_on=date(2026, 5, 1))
    assert Registration.objects.get().reason == Reason.INSTALLED_OUTSIDE_PERIOD


@pytest.mark.parametrize("dry_run", [True, False])
def test_chunks_carry_duplicates_and_volume_over(company, installer, campaign, monkeypatch, dry_run):
    """The preview (dry run) and the real run decide the same, however the rows are chunked."""
    monkeypatch.setattr(registering._Registrar, "max_chunk", 2)
    campaign.volume_check_threshold = 2
    campaign.save()
    rows = [DeviceRow(serial, "STP10.0-3SE-40", date(2026, 5, 1), "3511 AB", "NL")
            for serial in ["1000000001", "1000000002", "1000000003", "1000000001", "1000000004"]]
    outcomes = (decide_devices if dry_run else register_devices)(company=company, rows=rows, source=Source.EXCEL,
                                                                user=installer)
    described = [o.error.code if o.error else o.decision.status for o in outcomes]
    assert described == [Status.ACCEPTED, Status.ACCEPTED, Status.MORE_INFO, "duplicate_in_batch", Status.MORE_INFO]


def test_registering_the_same_wrong_data_again_is_a_duplicate(register):
    register(serial="4000000001")
    with pytest.raises(DuplicateRegistration):
        register(serial="4000000001")
    assert StatusChange.objects.count() == 1


def test_batch_reports_each_row_and_saves_the_good_ones(company, installer):
    rows = [
        DeviceRow("1000000001", "STP10.0-3SE-40", date(2026, 5, 1), "3511 AB", "NL"),
        DeviceRow("1000000001", "STP10.0-3SE-40", date(2026, 5, 1), "3511 AB", "NL"),
        DeviceRow("12", "STP10.0-3SE-40", date(2026, 5, 1), "3511 AB", "NL"),
        DeviceRow("1999999999", "STP10.0-3SE-40", date(2026, 5, 1), "3511 AB", "NL"),
    ]
    outcomes = register_devices(company=company, rows=rows, source=Source.EXCEL, user=installer)
    assert [o.ok for o in outcomes] == [True, False, False, True]
    assert outcomes[1].error.code == "duplicate_in_batch"
    assert outcomes[2].error.field == "serial"
    assert outcomes[3].registration.reason == Reason.UNKNOWN_SERIAL
    assert Registration.objects.count() == 2
    assert StatusChange.objects.count() == 2


def test_a_failure_while_the_rows_are_inserted_is_its_own_error_and_leaves_nothing(company, installer, monkeypatch):
    """On PostgreSQL the rows are inserted as they are decided; an error in the deciding (a bug)
    stops the insert and comes out as itself, not as a database error a job would retry."""
    decided = []

    def decide(facts):
        decided.append(facts.serial)
        if len(decided) == 3:
            raise KeyError("a bug in the rules")
        return rules.decide(facts)

    monkeypatch.setattr(registering, "decide", decide)
    rows = [DeviceRow(f"100000000{n}", "STP10.0-3SE-40", date(2026, 5, 1), "3511 AB", "NL") for n in range(1, 6)]
    with pytest.raises(KeyError, match="a bug in the rules"):
        register_devices(company=company, rows=rows, source=Source.EXCEL, user=installer)
    assert not Registration.objects.exists() and not StatusChange.objects.exists()


def test_dry_run_decides_without_writing(company, installer):
    rows = [DeviceRow("1000000001", "STP10.0-3SE-40", date(2026, 5, 1), "3511 AB", "NL")]
    [outcome] = decide_devices(company=company, rows=rows, source=Source.EXCEL, user=installer)
    assert outcome.registration.status == Status.ACCEPTED
    assert outcome.registration.pk is None
    assert not Registration.objects.exists()


def test_batch_queries_do_not_grow_with_the_number_of_rows(company, installer, register, count_queries):
    register(serial="1000000050")  # an existing registration in the mix

    def rows(n):
        return [DeviceRow(f"10000000{i:02d}", "STP10.0-3SE-40", date(2026, 5, 1), "3511 AB", "NL") for i in range(1, n + 1)]

    def count(n, offset_company):
        return count_queries(
            lambda: register_devices(company=offset_company, rows=rows(n), source=Source.EXCEL, user=installer)
        )

    small = count(3, company)
    Registration.objects.exclude(serial="1000000050").delete()
    # 40 rows: below the statement size at which Django splits a bulk insert on SQLite
    # (999 parameters); the service itself runs the same statements for any chunk.
    large = count(40, company)
    assert 5 < large == small


def test_dates_are_amsterdam_dates_just_after_midnight(register, campaign, time_machine):
    """00:30 in Amsterdam is still the day before in UTC: every date rule uses the local day."""
    CampaignProduct.objects.filter(campaign=campaign).update(requires_documents=True)
    time_machine.move_to(datetime(2026, 6, 16, 0, 30, tzinfo=AMS))
    registration = register(installed_on=date(2026, 6, 16))  # installed "today", local time
    assert registration.status == Status.MORE_INFO
    assert registration.documents_due_at == datetime(2026, 7, 1, tzinfo=AMS)  # 14 days from the 16th
    time_machine.move_to(datetime(2027, 2, 1, 0, 30, tzinfo=AMS))
    late = register(serial="1000000002", installed_on=date(2026, 11, 1))
    assert late.reason == Reason.REGISTRATION_CLOSED
