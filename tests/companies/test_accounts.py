"""Sign-up with enrolment, login, logout, password reset, enrolment in a new campaign."""

import re
from datetime import date

import pytest
from django.core import mail

from devices.models import Campaign
from registrations.companies.choices import Role
from registrations.companies.models import Company, Enrolment, User
from tests.conftest import PASSWORD, make_company

SIGNUP = {
    "first_name": "Sanne",
    "last_name": "de Vries",
    "email": "Sanne@Zonnewerk.example",
    "password1": PASSWORD,
    "password2": PASSWORD,
    "name": "Zonnewerk Installaties B.V.",
    "customer_number": " 100 200 ",
    "vat_number": "NL 0044.95445.B01",
    "country": "NL",
    "street": "Energieweg 12",
    "postcode": "3542dr",
    "city": "Utrecht",
    "contact_email": "admin@zonnewerk.example",
    "accept_terms": "on",
}


def test_it_signs_up_a_company_admin_with_an_enrolment(client, campaign):
    response = client.post("/signup/", SIGNUP)
    assert response.status_code == 302 and response.url == "/company/bank/"  # asked for the bank details first
    user = User.objects.get()
    assert user.email == "sanne@zonnewerk.example"
    company = Company.objects.get()
    assert (company.customer_number, company.vat_number, company.postcode) == ("100200", "NL004495445B01", "3542 DR")
    assert user.membership.company == company and user.membership.role == Role.ADMIN
    enrolment = Enrolment.objects.get()
    assert (enrolment.company, enrolment.campaign, enrolment.accepted_by) == (company, campaign, user)
    assert client.get("/").status_code == 200  # logged in: the overview


@pytest.mark.parametrize("field, value, message", [
    ("accept_terms", "", "This field is required"),
    ("vat_number", "NL123456789B01", "not a valid VAT number"),
    ("vat_number", "BE0403019261", "does not belong to the company"),
    ("postcode", "ABCD", "not a valid postcode"),
    ("password2", "something-else", "passwords differ"),
    ("password1", "12345678", "too common"),
])
def test_sign_up_refuses_bad_input_with_a_message(client, campaign, field, value, message):
    data = {**SIGNUP, field: value}
    if field == "password1":
        data["password2"] = value
    response = client.post("/signup/", data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not User.objects.exists() and not Company.objects.exists()


def test_sign_up_refuses_a_customer_number_that_is_taken(client, campaign):
    make_company(campaign, customer_number="100200")
    response = client.post("/signup/", SIGNUP)
    assert "already registered" in response.content.decode()
    assert Company.objects.count() == 1


def test_sign_up_refuses_an_email_that_has_an_account(client, campaign):
    make_company(campaign, email="sanne@zonnewerk.example", customer_number="1")
    response = client.post("/signup/", SIGNUP)
    assert "already an account" in response.content.decode()


def test_sign_up_without_an_open_campaign_says_so(client, db):
    response = client.get("/signup/")
    assert "No campaign is open" in response.content.decode()


def test_login_is_by_email_in_any_case_and_logout_needs_post(client, installer):
    response = client.post("/login/", {"username": "ADMIN@zonnewerk.example", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/").context["company"] == installer.membership.company
    assert client.post("/logout/").status_code == 302
    assert "Cashback for every eligible" in client.get("/").content.decode()


def test_a_wrong_password_is_refused(client, installer):
    response = client.post("/login/", {"username": installer.email, "password": "wrong"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_password_reset_by_email_in_the_users_language(client, installer, django_capture_on_commit_callbacks):
    installer.language = "fr"
    installer.save()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/password_reset/", {"email": installer.email})
    assert response.status_code == 302
    [message] = mail.outbox
    assert message.to == [installer.email]
    assert "mot de passe" in message.subject
    link = re.search(r"http://127\.0\.0\.1:8000(/reset/\S+/)", message.body).group(1)
    response = client.get(link, follow=True)
    form_url = response.redirect_chain[-1][0]
    response = client.post(form_url, {"new_password1": "another-long-pass-9", "new_password2": "another-long-pass-9"})
    assert response.status_code == 302
    assert client.post("/login/", {"username": installer.email, "password": "another-long-pass-9"}).status_code == 302


def test_password_reset_for_an_unknown_address_sends_nothing_and_says_the_same(client, db,
                                                                              django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/password_reset/", {"email": "nobody@example.com"})
    assert response.status_code == 302 and response.url == "/password_reset/done/"
    assert not mail.outbox


def test_pages_need_a_login(client, db):
    for url in ["/registrations/new/", "/company/", "/registrations/1/", "/registrations/export.csv"]:
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith("/login/"), url


def test_a_user_without_company_is_refused(client, db):
    user = User.objects.create_user(email="loose@example.com", password=PASSWORD)
    client.force_login(user)
    assert client.get("/registrations/new/").status_code == 403


def test_staff_without_company_go_to_their_desk(staff_client):
    response = staff_client.get("/")
    assert response.status_code == 302 and response.url == "/staff/"


def test_a_company_enrols_in_a_new_campaign(installer_client, company, campaign):
    new = Campaign.objects.create(
        name="SMA Cashback 2027", slug="cashback-2027", installation_starts_on=date(2026, 6, 1),
        installation_ends_on=date(2027, 12, 31), registration_deadline=date(2028, 1, 31),
    )
    page = installer_client.get("/").content.decode()
    assert "Enrol in SMA Cashback 2027" in page
    assert installer_client.post("/enrol/", {}).status_code == 200  # terms not accepted
    assert not company.is_enrolled_in(new)
    response = installer_client.post("/enrol/", {"accept_terms": "on"})
    assert response.status_code == 302
    assert company.is_enrolled_in(new)


def test_a_company_without_enrolment_is_sent_to_enrol(client, campaign, known):
    company = make_company(None)
    client.force_login(company.memberships.get().user)
    response = client.get("/registrations/new/")
    assert response.status_code == 302 and response.url == "/enrol/"
