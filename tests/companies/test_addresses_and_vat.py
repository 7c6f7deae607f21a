"""What a company types about itself and its installations: postcodes, countries, VAT numbers."""

import pytest
from stdnum.eu import vat

from cashback.errors import InvalidInput
from registrations.companies.addresses import normalize_postcode
from registrations.companies.forms import CompanyFieldsMixin
from registrations.companies.models import Company
from tests.companies.test_accounts import SIGNUP
from tests.conftest import make_company


@pytest.mark.parametrize("raw, country, expected", [
    ("3511ab", "NL", "3511 AB"), ("3511  AB", "NL", "3511 AB"), ("1000", "BE", "1000"), ("B-9999", "BE", "9999"),
    ("L-1009", "LU", "1009"), ("１０００", "BE", "1000"),  # full-width digits from a phone's wide keyboard
])
def test_it_takes_real_postcodes(raw, country, expected):
    assert normalize_postcode(raw, country) == expected


@pytest.mark.parametrize("raw, country", [
    ("0123 AB", "NL"), ("0999", "BE"), ("0100", "LU"),  # real postcodes start at 1000
    ("١٢٣٤ AB", "NL"), ("१२३४", "BE"),  # digits of other scripts are not stored as such
    ("3511 A", "NL"), ("35111", "BE"),
])
def test_it_refuses_what_is_no_postcode(raw, country):
    with pytest.raises(InvalidInput):
        normalize_postcode(raw, country)


def test_a_long_value_is_quoted_short_in_the_message():
    with pytest.raises(InvalidInput) as refused:
        normalize_postcode("9" * 10_000, "NL")
    assert len(str(refused.value.message)) < 200 and "…" in str(refused.value.message)


def test_the_vat_examples_in_the_message_are_valid_numbers():
    for example in CompanyFieldsMixin.VAT_EXAMPLES.split(", "):
        assert vat.is_valid(example), example


def test_a_vat_number_enrols_one_company(client, campaign):
    make_company(campaign, customer_number="999")  # NL004495445B01, as SIGNUP
    page = client.post("/signup/", {**SIGNUP, "customer_number": "100200"}).content.decode()
    assert "A company with this VAT number is already registered" in page
    assert Company.objects.count() == 1


def test_a_company_keeps_its_own_vat_number_when_it_edits_its_details(installer_client, company):
    response = installer_client.post("/company/", {
        "name": company.name, "vat_number": company.vat_number, "country": "NL", "street": company.street,
        "postcode": company.postcode, "city": company.city, "contact_email": company.contact_email, "language": "en",
    })
    assert response.status_code == 302
