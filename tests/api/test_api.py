"""The REST API for installer software: tokens, every endpoint, filters, errors, the company boundary."""

from datetime import date, timedelta

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from devices.models import CampaignProduct
from registrations.api.authentication import FAILED_LIMIT
from registrations.api.models import ApiToken
from registrations.api.services import create_token
from registrations.companies.models import Membership, User
from registrations.core import registering
from registrations.core.choices import Source, Status
from registrations.core.models import Registration
from registrations.core.rows import DeviceRow
from registrations.payouts import bank, selectors
from registrations.payouts import services as payouts
from tests.files import pdf_bytes


@pytest.fixture(autouse=True)
def _fresh_throttle():
    cache.clear()


def api(key=None, language="en"):
    client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
    if key:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


@pytest.fixture
def key(company, installer):
    return create_token(company, name="ERP production", user=installer)[1]


@pytest.fixture
def other_key(other_company):
    return create_token(other_company, name="Soleil ERP", user=other_company.memberships.get().user)[1]


DEVICE = {"serial": "1000000001", "product": "STP10.0-3SE-40", "installed_on": "2026-05-01", "postcode": "3511ab",
          "country": "NL", "reference": "Order 77"}


# Tokens ------------------------------------------------------------------------------------


def test_a_company_admin_creates_a_token_sees_it_once_and_revokes_it(installer_client, company):
    response = installer_client.post("/company/api-tokens/", {"name": "ERP production"}, follow=True)
    page = response.content.decode()
    assert "no-cache" in response["Cache-Control"]
    token = ApiToken.objects.get()
    key = page.split('class="mono secret">')[1].split("<")[0]
    assert key.startswith("cbk_") and token.digest not in page and key not in token.digest
    assert api(key).get("/api/v1/products/").status_code == 200
    assert key not in installer_client.get("/company/api-tokens/").content.decode()  # shown once
    installer_client.post(f"/company/api-tokens/{token.pk}/revoke/")
    response = api(key).get("/api/v1/products/")
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"
    assert response.json()["message"].startswith("This API token is unknown or was revoked")
    installer_client.get("/company/api-tokens/")  # a reload shows no key and makes no token
    assert ApiToken.objects.count() == 1


def test_a_token_stops_when_its_creator_leaves_or_is_deactivated(company, installer, key):
    assert api(key).get("/api/v1/products/").status_code == 200
    User.objects.filter(pk=installer.pk).update(is_active=False)
    assert api(key).get("/api/v1/products/").status_code == 401
    User.objects.filter(pk=installer.pk).update(is_active=True)
    assert api(key).get("/api/v1/products/").status_code == 200
    Membership.objects.filter(user=installer).delete()
    assert api(key).get("/api/v1/registrations/").status_code == 401


def test_the_scheme_name_is_case_insensitive(key):
    client = APIClient(HTTP_AUTHORIZATION=f"bearer {key}")
    assert client.get("/api/v1/products/").status_code == 200


def test_errors_are_json_even_when_django_answers(key, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = api(key).post("/api/v1/registrations/bulk/", {"devices": [DEVICE] * 20}, format="json")
    assert response.status_code == 413 and response.json()["code"] == "request_too_large"


def test_an_unexpected_error_is_a_json_500(key, monkeypatch):
    def broken(company):
        raise RuntimeError("bug")

    monkeypatch.setattr(selectors, "paid_to_company", broken)
    client = api(key)
    client.raise_request_exception = False
    response = client.get("/api/v1/payouts/")
    assert response.status_code == 500
    assert response.json()["code"] == "server_error"


def test_without_or_with_a_wrong_token_nothing_is_served(company, key):
    assert api().get("/api/v1/registrations/").json()["code"] == "not_authenticated"
    assert api(key[:-2] + "xx").get("/api/v1/registrations/").status_code == 401
    assert api("cbk_nonsense").get("/api/v1/registrations/").status_code == 401


def test_the_portal_session_works_too(installer, client):
    client.force_login(installer)
    assert client.get("/api/v1/products/").status_code == 200


def test_staff_without_a_company_get_nothing(staff):
    client = APIClient()
    client.force_login(staff)
    assert client.get("/api/v1/registrations/").status_code == 403


def test_each_request_is_logged_with_its_tokens_name(key, caplog):
    caplog.set_level("INFO", logger="registrations.api")
    api(key).get("/api/v1/products/")
    assert "api GET /api/v1/products/ 200 token=ERP production" in caplog.text


def test_throttling_per_token_with_retry_after(key, other_key, settings):
    from rest_framework.settings import api_settings
    from rest_framework.throttling import SimpleRateThrottle

    SimpleRateThrottle.THROTTLE_RATES = {**api_settings.DEFAULT_THROTTLE_RATES, "api": "3/min"}
    try:
        answers = [api(key).get("/api/v1/products/") for _ in range(4)]
        assert [a.status_code for a in answers] == [200, 200, 200, 429]
        assert answers[-1].json()["code"] == "throttled" and int(answers[-1]["Retry-After"]) > 0
        assert api(other_key).get("/api/v1/products/").status_code == 200  # per token
    finally:
        SimpleRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES


# Endpoints ---------------------------------------------------------------------------------


def test_clients_that_keep_presenting_bad_tokens_are_told_to_wait(key):
    for _ in range(FAILED_LIMIT):
        assert api("cbk_0000_bad").get("/api/v1/products/").status_code == 401
    refused = api("cbk_0000_bad").get("/api/v1/products/")
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert api(key).get("/api/v1/products/").status_code == 200  # a good token from the same address works


def test_products_are_the_active_campaigns_with_amounts(key):
    products = api(key).get("/api/v1/products/").json()
    assert {"code": "STP10.0-3SE-40", "family": "Sunny Tripower Smart Energy", "campaign": "cashback-2026",
            "amount_cents": 20000, "requires_documents": False} in products
    assert "SB3.0-1AV-41" not in [p["code"] for p in products]


def test_register_one_device(key, installer):
    response = api(key).post("/api/v1/registrations/", DEVICE, format="json")
    assert response.status_code == 201
    body = response.json()
    assert (body["serial"], body["status"], body["reason"], body["amount_cents"], body["postcode"], body["source"]) == (
        "1000000001", "accepted", "eligible", 20000, "3511 AB", "api"
    )
    assert "meets the campaign conditions" in body["message"]
    registration = Registration.objects.get()
    assert (registration.source, registration.created_by) == (Source.API, installer)


def test_a_refused_device_is_answered_with_its_reason_code(key):
    body = api(key).post("/api/v1/registrations/", {**DEVICE, "serial": "4000000001"}, format="json").json()
    assert (body["status"], body["reason"]) == ("not_registrable", "model_mismatch")
    assert "belongs to a STP5.0-3SE-40" in body["message"]


def test_a_duplicate_is_409_with_the_existing_registration(key):
    first = api(key).post("/api/v1/registrations/", DEVICE, format="json").json()
    response = api(key).post("/api/v1/registrations/", DEVICE, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "duplicate" and response.json()["registration_id"] == first["id"]


@pytest.mark.parametrize("change, code, field", [
    ({"product": "XYZ-1"}, "unknown_product", "product"),
    ({"serial": "12AB"}, "invalid_serial", "serial"),
    ({"postcode": "ABC"}, "invalid_input", "postcode"),
    ({"installed_on": "2026-13-01"}, "invalid_input", None),
    ({"country": "DE"}, "invalid_input", None),
])
def test_invalid_input_has_a_stable_code(key, change, code, field):
    response = api(key).post("/api/v1/registrations/", {**DEVICE, **change}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == code
    if field:
        assert body["field"] == field
    else:
        assert list(body["fields"]) == list(change)


def test_errors_speak_the_requested_language(key):
    body = api(key, language="fr").post("/api/v1/registrations/", {**DEVICE, "product": "XYZ-1"}, format="json").json()
    assert body["code"] == "unknown_product" and "inconnu" in body["message"]
    body = api(key, language="nl").post("/api/v1/registrations/", {**DEVICE, "product": "XYZ-1"}, format="json").json()
    assert "onbekend" in body["message"]


def test_bulk_answers_row_by_row_like_the_excel_preview(key):
    devices = [DEVICE, {**DEVICE, "serial": "4000000001"}, DEVICE, {**DEVICE, "serial": "1000000002",
                                                                    "product": "XYZ-1"}]
    body = api(key).post("/api/v1/registrations/bulk/", {"devices": devices}, format="json").json()
    assert [r["outcome"] for r in body["rows"]] == ["registered", "not_registrable", "duplicate_in_file", "invalid"]
    assert body["counts"]["registered"] == 1 and body["counts"]["invalid"] == 1
    assert body["rows"][0]["registration"]["status"] == "accepted"
    assert body["rows"][3]["error"]["code"] == "unknown_product"
    assert Registration.objects.count() == 2
    again = api(key).post("/api/v1/registrations/bulk/", {"devices": [DEVICE]}, format="json").json()
    assert again["rows"][0]["outcome"] == "already_registered"
    assert again["rows"][0]["error"]["registration_id"] == Registration.objects.get(serial="1000000001").pk


def test_bulk_takes_at_most_1000(key):
    response = api(key).post("/api/v1/registrations/bulk/", {"devices": [DEVICE] * 1001}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "invalid_input"
    assert not Registration.objects.exists()


def test_list_filters_and_polling(key, register, time_machine, other_company):
    register("1000000001")
    register("4000000001")  # not registrable
    time_machine.shift(timedelta(hours=2))
    poll_from = timezone.now().isoformat()
    register("2000000001", "HM-20", installed_on=date(2026, 6, 1))
    register("1000000009", company=other_company, user=other_company.memberships.get().user)
    client = api(key)

    def serials(**params):
        response = client.get("/api/v1/registrations/", params)
        assert response.status_code == 200, response.json()
        return [r["serial"] for r in response.json()["results"]]

    assert serials() == ["1000000001", "4000000001", "2000000001"]  # never another company's
    assert serials(status="not_registrable") == ["4000000001"]
    assert serials(reason="model_mismatch") == ["4000000001"]
    assert serials(product="HM-20") == ["2000000001"]
    assert serials(source="web") == ["1000000001", "4000000001", "2000000001"]
    assert serials(serial="1000000001") == ["1000000001"]
    assert serials(installed_from="2026-05-15") == ["2000000001"]
    assert serials(installed_until="2026-05-15") == ["1000000001", "4000000001"]
    assert serials(changed_since=poll_from) == ["2000000001"]
    response = client.get("/api/v1/registrations/", {"status": "nonsense"})
    assert response.status_code == 400 and response.json()["field"] == "status"
    dutch = api(key, language="nl").get("/api/v1/registrations/", {"status": "nonsense"}).json()
    assert dutch["message"].startswith("status: een van")
    assert serials(serial="SN: 1000 000 001") == ["1000000001"]  # cleaned as when registering
    assert client.get("/api/v1/registrations/", {"changed_since": "yesterday"}).json()["field"] == "changed_since"
    # Offsets PostgreSQL does not take (Schemathesis found this one): converted, not a 500.
    assert client.get("/api/v1/registrations/", {"changed_since": "2026-06-15T09:21:09-17:20"}).status_code == 200
    assert client.get("/api/v1/registrations/", {"changed_since": "0001-01-01T00:00:00-17:20"}).status_code in (200, 400)


def test_list_pages(key, company, installer):
    registering.register_devices(company=company, user=installer, source=Source.WEB, rows=[
        DeviceRow(f"10000000{n:02d}", "STP10.0-3SE-40", date(2026, 5, 1), "3511 AB", "NL")
        for n in range(1, 31)
    ])
    first = api(key).get("/api/v1/registrations/", {"page_size": 25}).json()
    assert first["count"] == 30 and len(first["results"]) == 25 and first["next"]
    second = api(key).get(first["next"]).json()
    assert len(second["results"]) == 5 and second["next"] is None
    assert api(key).get("/api/v1/registrations/", {"page_size": 500}).json()["fields"] == {
        "page_size": ["A number from 1 to 100."]
    }
    past = api(key).get("/api/v1/registrations/", {"page": 3})
    assert past.status_code == 200 and past.json()["results"] == [] and past.json()["next"] is None
    assert api(key).get("/api/v1/registrations/", {"page": 0}).json()["fields"] == {"page": ["A number from 1."]}


def test_detail_with_history_and_documents(key, register, campaign, installer):
    CampaignProduct.objects.filter(campaign=campaign).update(requires_documents=True)
    registration = register()
    response = api(key).post(f"/api/v1/registrations/{registration.pk}/documents/",
                             {"kind": "invoice", "file": SimpleUploadedFile("factuur.pdf", pdf_bytes())},
                             format="multipart")
    assert response.status_code == 201
    assert response.json()["registration"]["status"] == "in_review"
    detail = api(key).get(f"/api/v1/registrations/{registration.pk}/").json()
    assert [h["to_status"] for h in detail["history"]] == ["more_info", "in_review"]
    assert detail["documents"][0]["original_name"] == "factuur.pdf"
    assert detail["documents"][0]["content_type"] == "application/pdf"


def test_a_document_is_checked_like_on_the_web(key, register, campaign):
    accepted = register("1000000002")
    CampaignProduct.objects.filter(campaign=campaign).update(requires_documents=True)
    registration = register()
    response = api(key).post(f"/api/v1/registrations/{registration.pk}/documents/",
                             {"kind": "invoice", "file": SimpleUploadedFile("factuur.pdf", b"MZ\x90 not a pdf")},
                             format="multipart")
    assert response.status_code == 400
    assert "is not a PDF, JPEG or PNG file" in response.json()["message"]
    assert response.json()["field"] == "files"
    response = api(key).post(f"/api/v1/registrations/{accepted.pk}/documents/",
                             {"kind": "invoice", "file": SimpleUploadedFile("f.pdf", pdf_bytes())}, format="multipart")
    assert response.status_code == 409  # no documents are taken for an accepted registration
    assert response.json()["code"] == "invalid_transition"


def test_payouts(key, register, company, installer):
    bank.set_bank_account(company, iban="NL91ABNA0417164300", bic="", holder="Zonnewerk", user=installer)
    register()
    alice = User.objects.create_user(email="alice@example.com", password="x", is_staff=True)
    bob = User.objects.create_user(email="bob@example.com", password="x", is_staff=True)
    batch = payouts.create_batch(selectors.Selection(), actor=alice)
    payouts.approve_batch(batch, actor=bob)
    payouts.export_batch(batch, actor=alice, execution_date=date(2026, 6, 15))
    payouts.mark_paid(batch, actor=bob, executed_on=date(2026, 6, 15))
    assert api(key).get("/api/v1/payouts/").json() == [
        {"reference": batch.reference, "state": "paid", "paid_on": "2026-06-15", "devices": 1, "amount_cents": 20000}
    ]
    assert api(key).get("/api/v1/registrations/").json()["results"][0]["status"] == Status.PAID


def test_another_companys_ids_are_404_on_every_endpoint(key, other_key, register, campaign):
    CampaignProduct.objects.filter(campaign=campaign).update(requires_documents=True)
    mine = register()
    theirs = api(other_key)
    assert theirs.get(f"/api/v1/registrations/{mine.pk}/").status_code == 404
    assert theirs.get(f"/api/v1/registrations/{mine.pk}/").json() == {"code": "not_found", "message": "Not found."}
    response = theirs.post(f"/api/v1/registrations/{mine.pk}/documents/",
                           {"kind": "invoice", "file": SimpleUploadedFile("f.pdf", pdf_bytes())}, format="multipart")
    assert response.status_code == 404
    assert theirs.get("/api/v1/registrations/").json()["count"] == 0
    assert theirs.get("/api/v1/registrations/", {"serial": mine.serial}).json()["count"] == 0
    assert theirs.get("/api/v1/payouts/").json() == []
    assert not mine.documents.exists()


def test_the_schema_validates_and_the_docs_are_served(key, capsys):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")
    schema = api(key).get("/api/v1/schema/")
    assert schema.status_code == 200
    text = schema.content.decode()
    for part in ("/api/v1/registrations/bulk/", "ReasonEnum", "model_mismatch", "ApiToken", "duplicate"):
        assert part in text, part
    docs = api().get("/api/v1/docs/")
    assert docs.status_code == 200 and b"swagger-ui" in docs.content


def test_revoking_a_token_asks_first_naming_what_will_happen(installer_client, company, installer):
    create_token(company, name="ERP production", user=installer)
    page = installer_client.get("/company/api-tokens/").content.decode()
    assert "Software that uses “ERP production” stops working at once" in page
    assert "Yes, revoke “ERP production”" in page
