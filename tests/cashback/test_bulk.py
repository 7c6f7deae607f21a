"""cashback.bulk.insert_rows: the fast insert of the registration paths, on every database."""

from datetime import date, datetime, timezone

from cashback.bulk import Same, insert_rows
from registrations.core.choices import Reason, Source, Status
from registrations.core.models import Registration


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
