"""Campaign staff in the Django admin; status changes there go through the services."""

import pytest
from django.contrib.auth.models import Permission

from registrations.companies.models import User
from registrations.core.choices import Reason, Status
from tests.conftest import PASSWORD

ADMIN_PAGES = [
    "/admin/",
    "/admin/devices/campaign/",
    "/admin/devices/campaign/add/",
    "/admin/devices/productmodel/",
    "/admin/devices/productfamily/",
    "/admin/devices/knowndevice/?q=1000000001",
    "/admin/registrations/company/",
    "/admin/registrations/company/?q=100200",
    "/admin/registrations/user/",
    "/admin/registrations/registration/",
    "/admin/registrations/registration/?status__exact=accepted&reason__exact=eligible&source__exact=web",
    "/admin/registrations/registration/?q=Zonnewerk",
    "/admin/registrations/registration/?q=100200",
    "/admin/registrations/registration/?q=1000000001",
    "/admin/registrations/statuschange/",
]


@pytest.mark.parametrize("url", ADMIN_PAGES)
def test_admin_pages_open(staff_client, register, url):
    register()
    assert staff_client.get(url).status_code == 200


def test_registration_admin_searches_by_serial_company_and_customer_number(staff_client, register, other_company):
    register()
    register(serial="1000000002", company=other_company, user=other_company.memberships.get().user)
    for query, expected in [("1000000001", 1), ("Soleil", 1), ("200300", 1), ("100200", 1)]:
        response = staff_client.get(f"/admin/registrations/registration/?q={query}")
        assert response.context["cl"].result_count == expected, query


def test_the_change_page_shows_history_and_allows_no_direct_status_edit(staff_client, register):
    registration = register()
    url = f"/admin/registrations/registration/{registration.pk}/change/"
    response = staff_client.get(url)
    page = response.content.decode()
    assert "Status history" in page
    assert 'name="status"' not in page
    assert "status" not in response.context["adminform"].form.fields


def test_the_ask_for_documents_action_asks_a_note_then_uses_the_service(staff_client, register, staff):
    registration = register()
    url = "/admin/registrations/registration/"
    selected = {"action": "request_documents", "_selected_action": [registration.pk]}
    confirm = staff_client.post(url, selected)
    assert confirm.status_code == 200 and "Message to the installer" in confirm.content.decode()
    staff_client.post(url, {**selected, "apply": "1", "note": "Random audit: please upload the invoice."})
    registration.refresh_from_db()
    assert (registration.status, registration.reason) == (Status.MORE_INFO, Reason.DOCUMENTS_REQUESTED)
    last = registration.history.last()
    assert (last.actor, last.note) == (staff, "Random audit: please upload the invoice.")


def test_an_action_without_the_required_note_changes_nothing(staff_client, register):
    registration = register()
    staff_client.post("/admin/registrations/registration/", {
        "action": "request_documents", "_selected_action": [registration.pk], "apply": "1", "note": "",
    })
    registration.refresh_from_db()
    assert registration.status == Status.ACCEPTED


def test_approve_and_reject_actions_report_refused_transitions(staff_client, register, other_company):
    register()
    claim = register(company=other_company, user=other_company.memberships.get().user)
    response = staff_client.post("/admin/registrations/registration/", {
        "action": "approve", "_selected_action": [claim.pk], "apply": "1", "note": "",
    }, follow=True)
    assert "already accepted for another registration" in response.content.decode()
    staff_client.post("/admin/registrations/registration/", {
        "action": "reject", "_selected_action": [claim.pk], "apply": "1", "note": "Installed by the other company.",
    })
    claim.refresh_from_db()
    assert (claim.status, claim.reason) == (Status.NOT_REGISTRABLE, Reason.REJECTED)


def test_installers_cannot_open_the_admin(installer_client):
    response = installer_client.get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response.url


def test_staff_with_view_permission_only_cannot_act(client, register, db):
    viewer = User.objects.create_user(email="viewer@example.com", password=PASSWORD, is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_registration"))
    client.force_login(viewer)
    registration = register()
    assert client.get("/admin/registrations/registration/").status_code == 200
    client.post("/admin/registrations/registration/", {
        "action": "reject", "_selected_action": [registration.pk], "apply": "1", "note": "x",
    })
    registration.refresh_from_db()
    assert registration.status == Status.ACCEPTED
