"""The money pages as people use them: whatever the history holds, in any language."""

from datetime import date, timedelta

from django.utils import timezone

from registrations.payouts import bank
from registrations.payouts import services as payouts
from registrations.payouts.models import BankAccountChange, PayoutBatch
from tests.payouts.helpers import ALL, client_for


def test_the_bank_page_shows_a_change_made_by_no_person(client, company, installer):
    # The demo data, a script of the campaign team, a deleted account: no person made the change.
    bank.set_bank_account(company, iban="NL91ABNA0417164300", bic="", holder="Zonnewerk", user=None)
    assert BankAccountChange.objects.get().changed_by is None
    client.force_login(installer)
    page = client.get("/company/bank/")
    assert page.status_code == 200
    assert "SMA campaign team" in page.content.decode()


def approved_batch(alice, bob):
    batch = payouts.create_batch(ALL, actor=alice)
    payouts.approve_batch(batch, actor=bob)
    return batch


def test_date_inputs_carry_iso_dates_in_every_language(accepted, alice, bob):
    batch = approved_batch(alice, bob)
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    for language in ("nl", "fr", "en"):
        client = client_for(alice)
        page = client.get(f"/finance/{batch.pk}/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
        assert f'type="date" name="execution_date" value="{tomorrow}"' in page, language


def test_a_refused_date_comes_back_as_it_was_typed(accepted, alice, bob):
    batch = approved_batch(alice, bob)
    response = client_for(alice).post(f"/finance/{batch.pk}/export/", {"execution_date": "2026-06-01"},
                                      HTTP_ACCEPT_LANGUAGE="nl")
    assert response.status_code == 400
    page = response.content.decode()
    assert 'value="2026-06-01"' in page  # not the default again: the user sees what was refused
    assert PayoutBatch.objects.get().state == PayoutBatch.State.APPROVED
    assert date(2026, 6, 1) < timezone.localdate()


def test_export_and_paid_ask_first_naming_what_will_happen(accepted, alice, bob):
    batch = approved_batch(alice, bob)
    page = client_for(alice).get(f"/finance/{batch.pk}/").content.decode()
    assert '<details class="confirm' in page
    assert "This makes the SEPA file of 1 payments (€ 600.00) and locks the batch" in page
    assert f"Yes, export and lock {batch.reference}" in page
    payouts.export_batch(batch, actor=alice, execution_date=timezone.localdate())
    page = client_for(alice).get(f"/finance/{batch.pk}/").content.decode()
    assert "All 3 registrations of the batch become “Registered – Payment made”" in page
    assert f"Yes, {batch.reference} is paid" in page


def test_a_company_without_bank_details_is_asked_for_them(installer_client, company):
    page = installer_client.get("/").content.decode()
    assert "Enter your company's bank details" in page
