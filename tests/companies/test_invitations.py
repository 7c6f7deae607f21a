"""A company admin invites colleagues by email; colleagues see the same devices."""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.test import Client

from registrations.companies.choices import Role
from registrations.companies.models import Invitation, Membership, User
from tests.conftest import PASSWORD, make_company

AMS = ZoneInfo("Europe/Amsterdam")


@pytest.fixture
def invite(django_capture_on_commit_callbacks):
    """Post the invite form and run what the view queued for after the commit (the email task)."""

    def _invite(client, email="joris@zonnewerk.example"):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post("/company/invite/", {"email": email})

    return _invite


def accept_link():
    return re.search(r"http://127\.0\.0\.1:8000(/invitation/\S+/)", mail.outbox[-1].body).group(1)


def test_an_admin_invites_a_colleague_by_email_in_the_company_language(installer_client, company, invite):
    company.language = "nl"
    company.save()
    response = invite(installer_client)
    assert response.status_code == 302
    [message] = mail.outbox
    assert message.to == ["joris@zonnewerk.example"]
    assert "Zonnewerk B.V." in message.subject
    html = message.alternatives[0][0]
    assert accept_link() in html
    assert message.subject == "Sluit u aan bij Zonnewerk B.V. op het SMA Cashback-portaal"


def test_a_forged_or_altered_link_is_refused(installer_client, invite):
    invite(installer_client)
    link = accept_link()
    anonymous = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert anonymous.get(link).status_code == 200
    assert anonymous.get(link[:-3] + "xx/").status_code == 404
    assert anonymous.get("/invitation/1/").status_code == 404


def test_the_colleague_accepts_and_sees_the_same_devices(client, installer_client, company, register, invite):
    registration = register()
    invite(installer_client)
    link = accept_link()
    installer_client.post("/logout/")
    page = client.get(link)
    assert "joris@zonnewerk.example" in page.content.decode()
    response = client.post(link, {
        "first_name": "Joris", "last_name": "Bakker", "password1": PASSWORD, "password2": PASSWORD,
    })
    assert response.status_code == 302
    colleague = User.objects.get(email="joris@zonnewerk.example")
    assert colleague.membership.company == company and colleague.membership.role == Role.MEMBER
    assert client.get(f"/registrations/{registration.pk}/").status_code == 200
    assert client.get(link).status_code == 404  # used once


def test_an_expired_or_revoked_invitation_cannot_be_used(installer_client, time_machine, invite):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    invite(installer_client)
    link = accept_link()
    assert client.get(link).status_code == 200
    time_machine.move_to(datetime(2026, 6, 23, 12, tzinfo=AMS))
    assert client.get(link).status_code == 404
    time_machine.move_to(datetime(2026, 6, 15, 12, tzinfo=AMS))
    invite(installer_client, "second@zonnewerk.example")
    second = accept_link()
    assert client.get(second).status_code == 200
    installer_client.post(f"/company/invitations/{Invitation.objects.get(email='second@zonnewerk.example').pk}/revoke/")
    assert client.get(second).status_code == 404


def test_a_new_invitation_replaces_the_pending_one(installer_client, invite):
    invite(installer_client)
    first = accept_link()
    invite(installer_client)
    assert Invitation.objects.pending().count() == 1
    anonymous = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert anonymous.get(first).status_code == 404
    assert anonymous.get(accept_link()).status_code == 200


def test_a_colleague_cannot_invite_or_remove(client, company, installer, invite):
    colleague = User.objects.create_user(email="joris@zonnewerk.example", password=PASSWORD)
    Membership.objects.create(user=colleague, company=company, role=Role.MEMBER)
    client.force_login(colleague)
    invite(client, "third@zonnewerk.example")
    assert not Invitation.objects.exists()
    client.post(f"/company/members/{installer.membership.pk}/remove/")
    assert Membership.objects.filter(user=installer).exists()


def test_an_email_that_has_an_account_is_not_invited(installer_client, other_company, invite):
    invite(installer_client, "luc@soleil.example")
    assert not Invitation.objects.exists()
    assert not mail.outbox


def test_an_admin_removes_a_colleague_who_then_cannot_log_in(installer_client, company):
    colleague = User.objects.create_user(email="joris@zonnewerk.example", password=PASSWORD)
    membership = Membership.objects.create(user=colleague, company=company)
    installer_client.post(f"/company/members/{membership.pk}/remove/")
    colleague.refresh_from_db()
    assert not colleague.is_active
    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_a_removed_colleague_can_be_invited_again(installer_client, company, invite):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    colleague = User.objects.create_user(email="joris@zonnewerk.example", password=PASSWORD)
    membership = Membership.objects.create(user=colleague, company=company)
    installer_client.post(f"/company/members/{membership.pk}/remove/")
    invite(installer_client, "joris@zonnewerk.example")
    response = client.post(accept_link(), {
        "first_name": "Joris", "last_name": "Bakker", "password1": "a-new-long-password", "password2": "a-new-long-password",
    })
    assert response.status_code == 302
    colleague.refresh_from_db()
    assert colleague.is_active and colleague.membership.company == company
    assert User.objects.filter(email="joris@zonnewerk.example").count() == 1


def test_an_admin_cannot_touch_another_companys_people(installer_client, other_company):
    membership = other_company.memberships.get()
    assert installer_client.post(f"/company/members/{membership.pk}/remove/").status_code == 404
    invitation = Invitation.objects.create(
        company=other_company, email="x@soleil.example", expires_at=datetime(2026, 7, 1, tzinfo=AMS),
    )
    assert installer_client.post(f"/company/invitations/{invitation.pk}/revoke/").status_code == 404


def test_an_admin_edits_the_company_details_but_not_the_customer_number(installer_client, company):
    response = installer_client.post("/company/", {
        "name": "Zonnewerk Groep B.V.", "vat_number": "NL004495445B01", "country": "NL", "street": "Nieuweweg 1",
        "postcode": "3511ab", "city": "Utrecht", "contact_email": "new@zonnewerk.example", "language": "fr",
        "customer_number": "999999",
    })
    assert response.status_code == 302
    company.refresh_from_db()
    assert (company.name, company.postcode, company.language) == ("Zonnewerk Groep B.V.", "3511 AB", "fr")
    assert company.customer_number == "100200"


@pytest.mark.django_db
def test_colleagues_of_other_companies_see_nothing_of_each_other(client, campaign, known, register):
    register()
    stranger = make_company(campaign, customer_number="300400", email="eve@elsewhere.example")
    client.force_login(stranger.memberships.get().user)
    assert client.get("/").context["page"].paginator.count == 0
    assert "admin@zonnewerk.example" not in client.get("/company/").content.decode()


def test_removing_a_colleague_asks_first_naming_what_will_happen(installer_client, company):
    colleague = User.objects.create_user(email="joris@zonnewerk.example", password="x-y-z-1-2-3")
    Membership.objects.create(user=colleague, company=company)
    page = installer_client.get("/company/").content.decode()
    assert "joris@zonnewerk.example can no longer log in; the devices they registered stay" in page
    assert "Yes, remove joris@zonnewerk.example" in page
