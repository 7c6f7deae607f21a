"""`make run` loads demo data with seed_demo; it must work on an empty database and again."""

from django.core.management import call_command

from registrations.choices import Status
from registrations.models import Company, Registration, User


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

    assert client.login(username="installer@example.com", password="demo-cashback")
    assert client.get("/").status_code == 200
    assert client.post("/registrations/new/", {
        "serial": "3030000300", "product": "STP10.0-3SE-40", "installed_on": "2026-05-01",
        "postcode": "3511 AB", "country": "NL",
    }).status_code == 302
    assert Registration.objects.get(serial="3030000300").status == Status.ACCEPTED
