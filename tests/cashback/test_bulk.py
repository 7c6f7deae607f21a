"""cashback.bulk.insert_rows: the fast insert of the registration paths, on every database."""

from datetime import date

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
