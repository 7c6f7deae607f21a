"""cashback.bulk: the fast inserts of the registration paths, on every database; the serial lookup."""

import gc
from datetime import date, datetime, timezone

import pytest
from django.db import transaction

from cashback.bulk import Same, cycle_collection_paused, insert_made, insert_rows
from devices.models import KnownDevice
from registrations.core.choices import Reason, Source, Status
from registrations.core.models import Registration
from registrations.core.registering import register_device


def test_it_inserts_awkward_values_and_returns_the_keys_in_order(company, campaign, products):
    awkward = ["tab\there", "new\nline", "back\\slash", 'quote "x"', "", "ünïcødé – €", "\\N"]
    count = len(awkward)
    ids = insert_rows(Registration, {
        "company_id": Same(company.pk),
        "campaign_id": Same(campaign.pk),
        "serial": [f"90000000{n:02d}" for n in range(count)],
        "product_id": Same(products["STP10.0-3SE-40"].pk),
        "installed_on": [date(2026, 5, n + 1) for n in range(count)],
        "postcode": Same("3511 AB"),
        "country": Same("NL"),
        "reference": awkward,
        "source": Same(Source.EXCEL),
        "status": Same(Status.NOT_REGISTRABLE),
        "reason": Same(Reason.UNKNOWN_SERIAL),
        "reason_params": [{"note": value} for value in awkward],
        "amount_cents": [None] * count,
        "note": Same(""),
    }, count=count, return_ids=True)
    rows = Registration.objects.in_bulk(ids)
    assert [rows[pk].reference for pk in ids] == awkward
    assert [rows[pk].reason_params["note"] for pk in ids] == awkward
    assert [rows[pk].serial for pk in ids] == [f"90000000{n:02d}" for n in range(count)]
    assert all(rows[pk].amount_cents is None for pk in ids)


def test_nothing_to_insert_is_nothing(db):
    assert insert_rows(Registration, {"serial": []}, count=0, return_ids=True) == []


def test_it_writes_every_kind_of_column_with_its_nulls(company, campaign, products):
    due = [datetime(2026, 6, 1, 21, 59, 59, 999999, tzinfo=timezone.utc), None, None]
    ids = insert_rows(Registration, {
        "company_id": Same(company.pk),
        "campaign_id": [campaign.pk] * 3,
        "serial": ["9100000001", "9100000002", "9100000003"],
        "product_id": [products["STP10.0-3SE-40"].pk] * 3,
        "installed_on": [date(2026, 5, 1), date(2026, 5, 2), date(2026, 5, 3)],
        "postcode": ["3511 AB", "3511 AB", "3511\\AB"],
        "country": Same("NL"),
        "reference": ["", "x", "y"],
        "source": Same(Source.EXCEL),
        "status": [Status.MORE_INFO, Status.ACCEPTED, Status.NOT_REGISTRABLE],
        "reason": [Reason.PRODUCT_CHECK, Reason.ELIGIBLE, Reason.UNKNOWN_SERIAL],
        "reason_params": [{}, {}, {"a": 1}],
        "amount_cents": [15000, 15000, None],
        "documents_due_at": due,
        "note": Same(""),
    }, count=3, return_ids=True)
    rows = [Registration.objects.get(pk=pk) for pk in ids]
    assert [r.status for r in rows] == [Status.MORE_INFO, Status.ACCEPTED, Status.NOT_REGISTRABLE]
    assert [r.amount_cents for r in rows] == [15000, 15000, None]
    assert [r.documents_due_at for r in rows] == due
    assert [r.postcode for r in rows] == ["3511 AB", "3511 AB", "3511\\AB"]
    assert [r.reason_params for r in rows] == [{}, {}, {"a": 1}]


def _registration_columns(company, campaign, product):
    return {
        "company_id": Same(company.pk),
        "campaign_id": Same(campaign.pk),
        "serial": lambda n: f"92{n:08d}",
        "product_id": Same(product.pk),
        "installed_on": lambda n: date(2026, 5, 1 + n % 28),
        "postcode": Same("3511 AB"),
        "country": Same("NL"),
        "reference": lambda n: f"tab\there {n}",
        "source": Same(Source.EXCEL),
        "status": Same(Status.ACCEPTED),
        "reason": Same(Reason.ELIGIBLE),
        "reason_params": lambda n: {"n": n} if n % 2 else {},
        "amount_cents": lambda n: None if n % 3 else 15000,
        "note": Same(""),
    }


def test_it_inserts_rows_while_they_are_made_in_several_blocks(company, campaign, products):
    made = []

    def rows():
        for n in range(4500):  # more than two of the blocks sent at a time
            made.append(n)
            yield n

    ids = insert_made(Registration, _registration_columns(company, campaign, products["STP10.0-3SE-40"]), rows(),
                      at_most=5000)
    assert len(ids) == len(made) == 4500
    assert ids == sorted(ids) and len(set(ids)) == 4500
    rows = Registration.objects.in_bulk(ids)
    assert [rows[pk].serial for pk in ids] == [f"92{n:08d}" for n in range(4500)]
    assert rows[ids[7]].reference == "tab\there 7"
    assert [rows[ids[n]].reason_params for n in (0, 1)] == [{}, {"n": 1}]
    assert [rows[ids[n]].amount_cents for n in (0, 1, 3)] == [15000, None, 15000]


def test_nothing_made_is_nothing(company, campaign, products, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert insert_made(Registration, _registration_columns(company, campaign, products["STP10.0-3SE-40"]),
                           iter(()), at_most=10) == []


@pytest.mark.parametrize("at_most", [0, 3])
def test_more_rows_than_announced_insert_nothing(company, campaign, products, at_most):
    with pytest.raises(ValueError, match=f"more than the {at_most} rows announced"), transaction.atomic():
        insert_made(Registration, _registration_columns(company, campaign, products["STP10.0-3SE-40"]),
                    iter(range(5000)), at_most=at_most)
    assert not Registration.objects.filter(serial__startswith="92").exists()


def test_the_serial_lookup_finds_texts_that_hold_its_separator(company, campaign, products):
    register_device(company=company, serial="9300000001", product_code="STP10.0-3SE-40",
                    installed_on=date(2026, 5, 1), postcode="3511 AB", country="NL", source=Source.WEB)
    plain = set(Registration.objects.filter(serial__any={"9300000001", "9300000002"}).values_list("serial", flat=True))
    odd = set(Registration.objects.filter(serial__any={"9300000001", "93\x1f00"}).values_list("serial", flat=True))
    assert plain == odd == {"9300000001"}
    assert not Registration.objects.filter(serial__any={"9300000001\x1f9300000002"}).exists()
    assert not Registration.objects.filter(serial__any=set()).exists()


def test_the_serial_lookup_finds_an_empty_text(products):
    KnownDevice.objects.create(serial="", product=products["STP10.0-3SE-40"])
    assert KnownDevice.objects.filter(serial__any={""}).count() == 1
    assert KnownDevice.objects.filter(serial__any={"", "9300000009"}).count() == 1


def test_pausing_the_cycle_collector_resumes_it_after_an_error():
    assert gc.isenabled()
    with pytest.raises(RuntimeError), cycle_collection_paused():
        assert not gc.isenabled()
        raise RuntimeError
    assert gc.isenabled()
    gc.disable()
    try:
        with cycle_collection_paused():
            pass
        assert not gc.isenabled()  # paused by someone else: left as it was
    finally:
        gc.enable()
