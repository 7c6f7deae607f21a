"""`make run` loads demo data with seed_demo; it must work on an empty database and again."""

import json

import pytest
from django.core.management import call_command

from portal_sync import services
from portal_sync.models import PortalDevice, Transfer
from portal_sync.standin import start_in_thread
from registrations.companies.models import Company, User
from registrations.core.choices import Status
from registrations.core.models import Registration


@pytest.fixture(autouse=True)
def _own_var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path  # the stand-in's demo data is written there


def test_seed_demo_loads_a_usable_demo_and_can_run_again(db, capsys, client):
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert "installer@example.com" in out and "staff@example.com" in out
    demo = Company.objects.get(customer_number="100200")
    statuses = set(demo.registrations.values_list("status", flat=True))
    assert {Status.ACCEPTED, Status.MORE_INFO, Status.IN_REVIEW, Status.NOT_REGISTRABLE} <= statuses
    count = Registration.objects.count()
    in_review = demo.registrations.get(status=Status.IN_REVIEW)
    [invoice] = in_review.documents.all()
    assert invoice.content_type == "application/pdf" and invoice.file.read().startswith(b"%PDF-")

    call_command("seed_demo")
    assert Registration.objects.count() == count
    assert User.objects.filter(email="installer@example.com").count() == 1

    assert client.post("/login/", {"username": "installer@example.com", "password": "demo-cashback"}).status_code == 302
    assert client.get("/").status_code == 200
    assert client.post("/registrations/new/", {
        "serial": "3030000300", "product": "STP10.0-3SE-40", "installed_on": "2026-05-01",
        "postcode": "3511 AB", "country": "NL",
    }).status_code == 302
    assert Registration.objects.get(serial="3030000300").status == Status.ACCEPTED


def test_the_demo_sync_shows_every_outcome(db, settings, tmp_path, django_capture_on_commit_callbacks):
    call_command("seed_demo")
    server = start_in_thread(json.loads((tmp_path / "portal-standin.json").read_text()))
    try:
        settings.PORTALS = [
            {"name": "sunny_portal", "base_url": f"{server.url}/sunny-portal", "client_id": "demo-sp",
             "client_secret": "demo-sp-secret"},
            {"name": "ennexos", "base_url": f"{server.url}/ennexos", "client_id": "demo-ennexos",
             "client_secret": "demo-ennexos-secret"},
        ]
        with django_capture_on_commit_callbacks(execute=True):
            run = services.sync()
    finally:
        server.shutdown()
        server.server_close()
    assert run.state == "succeeded" and run.companies == 2
    demo = Company.objects.get(customer_number="100200")
    outcomes = dict(PortalDevice.objects.filter(company=demo).values_list("serial", "transfer"))
    assert sorted(outcomes.values()) == sorted([
        Transfer.REGISTERED, Transfer.REGISTERED, Transfer.REGISTERED, Transfer.REGISTERED, Transfer.REGISTERED,
        Transfer.FAMILY_NOT_TRANSFERRED, Transfer.PREDATES, Transfer.ALREADY_REGISTERED,
    ])
    portal = demo.registrations.filter(source="portal")
    assert portal.count() == 5
    assert portal.get(serial="3050000100").status == Status.MORE_INFO  # CORE2: documents
