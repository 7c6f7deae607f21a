"""The campaign's life from the desk: ending it early, more time for documents, a notice to the
companies, next year's campaign. Each recorded with who did it and why."""

from datetime import date, timedelta

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.test import Client

from devices.models import Campaign, CampaignProduct
from registrations.companies.models import Membership, User
from registrations.core.choices import Reason, Source, Status
from registrations.core.models import Registration, StatusChange
from registrations.desk.models import CampaignEvent
from registrations.notifications.models import Notice
from tests.conftest import PASSWORD


@pytest.fixture
def run(staff_client, django_capture_on_commit_callbacks):
    """run(action, data) posts one of the campaign page's forms, with the queued emails sent."""

    def post(campaign, action, data):
        with django_capture_on_commit_callbacks(execute=True):
            return staff_client.post(f"/staff/campaigns/{campaign.pk}/{action}/", data, follow=True)

    return post


@pytest.fixture
def two_companies(company, other_company, installer):
    other_company.language = "fr"
    other_company.save()
    colleague = User.objects.create_user(email="colleague@zonnewerk.example", password=PASSWORD)
    Membership.objects.create(user=colleague, company=company, role="member")
    return company, other_company


def test_ending_early_closes_registrations_tells_every_company_once_and_shows_a_banner(
    run, campaign, two_companies, register, installer_client, staff,
):
    kept = register("1000000001")
    page = run(campaign, "end", {"registration_deadline": "2026-06-20", "note": "Budget nearly spent."})
    assert page.status_code == 200 and "now ends on 20 June 2026" in page.content.decode()

    campaign.refresh_from_db()
    assert campaign.registration_deadline == date(2026, 6, 20) and campaign.ended_early_at is not None
    [event] = CampaignEvent.objects.filter(campaign=campaign)
    assert (event.kind, event.actor, event.note) == (CampaignEvent.Kind.ENDED_EARLY, staff, "Budget nearly spent.")
    assert event.details["deadline_before"] == "2027-01-31"
    subjects = sorted(m.subject for m in mail.outbox)
    assert subjects == ["SMA Cashback 2026 ends early: register your devices by 20 June 2026",
                        "SMA Cashback 2026 se termine plus tôt : enregistrez vos appareils d'ici le 20 juin 2026"]
    assert Registration.objects.get(pk=kept.pk).status == Status.ACCEPTED
    banner = installer_client.get("/").content.decode()
    assert "SMA Cashback 2026 ends early: devices can be registered until 20 June 2026." in banner


def test_ending_early_needs_a_reason_and_a_day_between_today_and_the_old_deadline(run, campaign):
    for data, message in (
        ({"registration_deadline": "2026-06-14", "note": "x"}, "cannot be before today"),
        ({"registration_deadline": "2027-02-01", "note": "x"}, "a deadline before the current one"),
        ({"registration_deadline": "2026-07-01", "note": " "}, "This field is required."),
    ):
        page = run(campaign, "end", data)
        assert page.status_code == 400 and message in page.content.decode(), data
    assert not CampaignEvent.objects.exists() and not mail.outbox


def test_more_time_for_one_companys_documents_with_a_history_row_each_and_one_email(
    run, campaign, two_companies, register, staff,
):
    company, other = two_companies
    CampaignProduct.objects.filter(campaign=campaign).update(requires_documents=True)
    mine = [register(f"100000000{n}") for n in range(1, 4)]
    luc = other.memberships.get().user
    theirs = register("1000000009", company=other, user=luc)
    Registration.objects.filter(pk=mine[0].pk).update(reminders_sent=[7])

    page = run(campaign, "extend", {"until": "2026-08-31", "customer_number": "100200",
                                    "note": "Your wholesaler sends the invoices late."})
    assert "The deadlines of 3 registrations were extended to 31 August 2026." in page.content.decode()

    for registration in mine:
        registration.refresh_from_db()
        assert registration.documents_due_at.date() == date(2026, 8, 31) and registration.reminders_sent == []
        assert registration.status == Status.MORE_INFO and registration.reason == Reason.PRODUCT_CHECK
        last = StatusChange.objects.filter(registration=registration).latest("id")
        assert (last.reason, last.actor, last.note) == (Reason.DEADLINE_EXTENDED, staff,
                                                        "Your wholesaler sends the invoices late.")
    theirs.refresh_from_db()
    assert theirs.documents_due_at.date() != date(2026, 8, 31)
    [email] = [m for m in mail.outbox if "More time" in m.subject]
    assert email.subject == "More time to send the documents for 3 devices"
    assert "Your wholesaler sends the invoices late." in email.body and "/documents/" in email.body
    assert CampaignEvent.objects.get().details["registrations"] == 3


def test_a_notice_goes_once_to_each_enrolled_company_in_its_language(run, campaign, two_companies, staff):
    texts = {"subject_nl": "Nieuwe voorwaarden", "text_nl": "Lees ze.", "subject_fr": "Nouvelles conditions",
             "text_fr": "Lisez-les.", "subject_en": "New terms", "text_en": "Read them."}
    page = run(campaign, "notice", texts)
    assert "The notice is being sent to 2 companies." in page.content.decode()
    assert sorted(m.subject for m in mail.outbox) == ["New terms", "Nouvelles conditions"]
    french = [m for m in mail.outbox if m.subject == "Nouvelles conditions"][0]
    assert "Lisez-les." in french.body and "L'équipe de l'action SMA Cashback 2026" in french.body
    notice = Notice.objects.get()
    assert (notice.sent_by, notice.companies) == (staff, 2)


def test_next_years_campaign_is_a_copy_of_products_and_amounts_not_yet_active(run, campaign):
    campaign.budget_cents = 100_000_00
    campaign.save()
    page = run(campaign, "copy", {"name": "SMA Cashback 2027", "slug": "cashback-2027",
                                  "installation_starts_on": "2027-01-01", "installation_ends_on": "2027-12-31",
                                  "registration_deadline": "2028-01-31"})
    assert "SMA Cashback 2027 was made, not yet active" in page.content.decode()
    copy = Campaign.objects.get(slug="cashback-2027")
    assert not copy.is_active and copy.budget_cents == 100_000_00
    amounts = lambda c: sorted(CampaignProduct.objects.filter(campaign=c).values_list("product__code", "amount_cents"))  # noqa: E731
    assert amounts(copy) == amounts(campaign) and len(amounts(copy)) == 5
    assert run(campaign, "copy", {"name": "Again", "slug": "cashback-2027", "installation_starts_on": "2027-01-01",
                                  "installation_ends_on": "2027-12-31", "registration_deadline": "2028-01-31"}
               ).status_code == 400


def test_only_those_who_run_the_campaign_may_change_it(campaign, db):
    reviewer = User.objects.create_user(email="reviewer@example.com", password=PASSWORD, is_staff=True)
    reviewer.user_permissions.add(Permission.objects.get(codename="review_registration"))
    client = Client()
    client.force_login(reviewer)
    assert client.get("/staff/").status_code == 200
    assert "/staff/campaigns/" not in client.get("/staff/").content.decode()
    assert client.get(f"/staff/campaigns/{campaign.pk}/").status_code == 403
    assert client.post(f"/staff/campaigns/{campaign.pk}/end/", {}).status_code == 403


def test_registering_after_the_new_deadline_is_not_registrable(run, campaign, register, time_machine):
    run(campaign, "end", {"registration_deadline": "2026-06-20", "note": "Budget."})
    time_machine.shift(timedelta(days=6))
    assert register("1000000002", source=Source.WEB).reason == Reason.REGISTRATION_CLOSED


def test_more_time_never_shortens_a_deadline(run, campaign, register, time_machine):
    CampaignProduct.objects.filter(campaign=campaign).update(requires_documents=True)
    soon, later = register("1000000001"), register("1000000002")
    Registration.objects.filter(pk=later.pk).update(documents_due_at=later.documents_due_at + timedelta(days=60))
    later.refresh_from_db()
    page = run(campaign, "extend", {"until": "2026-07-15", "note": "More time."})
    assert "The deadline of 1 registration was extended" in page.content.decode()
    assert Registration.objects.get(pk=later.pk).documents_due_at == later.documents_due_at
    assert Registration.objects.get(pk=soon.pk).documents_due_at.date() == date(2026, 7, 15)


def test_a_copy_with_dates_that_do_not_fit_says_why(run, campaign):
    page = run(campaign, "copy", {"name": "Bad", "slug": "bad", "installation_starts_on": "2027-12-31",
                                  "installation_ends_on": "2027-01-01", "registration_deadline": "2028-01-31"})
    assert page.status_code == 400 and "The period cannot end before it starts." in page.content.decode()
    assert not Campaign.objects.filter(slug="bad").exists()
