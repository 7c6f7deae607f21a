"""The campaign team's review queue and review screen: who may see it, what it shows, decisions."""

from datetime import timedelta

from django.core import mail
from django.test import Client
from django.utils import timezone

from registrations.companies.models import User
from registrations.core.choices import Reason, Status


def decide(client, registration, decision, note=""):
    return client.post(f"/review/{registration.pk}/decide/", {"decision": decision, "note": note})


def test_only_reviewers_see_the_queue(installer_client, staff_client):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert client.get("/review/").status_code == 302  # to the login page
    assert installer_client.get("/review/").status_code == 403
    helpdesk = User.objects.create_user(email="helpdesk@example.com", password="x", is_staff=True)
    client.force_login(helpdesk)
    assert client.get("/review/").status_code == 403
    assert staff_client.get("/review/").status_code == 200


def test_a_reviewer_with_the_permission_only_can_review(client, in_review):
    from django.contrib.auth.models import Permission

    registration = in_review()
    reviewer = User.objects.create_user(email="reviewer@example.com", password="x", is_staff=True)
    reviewer.user_permissions.add(Permission.objects.get(codename="review_registration"))
    client.force_login(reviewer)
    assert client.get("/review/").status_code == 200
    assert decide(client, registration, "approve").status_code == 302
    registration.refresh_from_db()
    assert registration.status == Status.ACCEPTED


def test_installers_cannot_decide(installer_client, in_review):
    registration = in_review()
    assert decide(installer_client, registration, "approve").status_code == 403
    assert installer_client.get(f"/review/{registration.pk}/").status_code == 403
    registration.refresh_from_db()
    assert registration.status == Status.IN_REVIEW


def test_the_queue_lists_registrations_in_review_oldest_first_with_counts(staff_client, in_review, register):
    first = in_review("1000000001")
    second = in_review("1000000002")
    register("1000000003")  # waits for the installer's documents: not in the queue
    page = staff_client.get("/review/").content.decode()
    assert page.index("1000000001") < page.index("1000000002")
    assert "1000000003" not in page
    assert f'href="/review/{first.pk}/">Start with the oldest' in page.replace('class="button" ', "")
    response = staff_client.get("/review/")
    assert response.context["counts"] == {"in_review": 2, "waiting": 1, "decided_today": 0}
    assert [r.pk for r in response.context["page"]] == [first.pk, second.pk]
    assert "Documents required for this product" in page  # why they were asked


def test_the_queue_searches_by_serial_company_and_customer_number(staff_client, in_review, other_company):
    in_review("1000000001")
    in_review("1000000002", user=other_company.memberships.get().user)
    assert [r.serial for r in staff_client.get("/review/?q=0002").context["page"]] == ["1000000002"]
    assert [r.serial for r in staff_client.get("/review/?q=soleil").context["page"]] == ["1000000002"]
    assert [r.serial for r in staff_client.get("/review/?q=100200").context["page"]] == ["1000000001"]


def test_the_queue_runs_the_same_queries_for_5_or_40_registrations(staff_client, in_review, count_queries):
    for n in range(1, 6):
        in_review(f"10000000{n:02d}")
    few = count_queries(lambda: staff_client.get("/review/"))
    for n in range(6, 41):
        in_review(f"10000000{n:02d}")
    assert count_queries(lambda: staff_client.get("/review/")) == few


def test_the_review_screen_shows_documents_inline_beside_the_facts(staff_client, in_review, register, other_company):
    registration = in_review("1000000001")
    page = staff_client.get(f"/review/{registration.pk}/").content.decode()
    pdf, image = registration.documents.order_by("id")
    assert f'<object data="/documents/{pdf.pk}/" type="application/pdf"' in page
    assert f'<img src="/documents/{image.pk}/"' in page
    for fact in ["1000000001", "STP10.0-3SE-40", "Zonnewerk B.V.", "100200", "1 May 2026", "3511 AB", "€ 200.00"]:
        assert fact in page, fact
    assert "Documents received" in page  # the history
    # The review screen may frame the documents (same origin), nobody else may.
    assert staff_client.get(f"/documents/{pdf.pk}/")["X-Frame-Options"] == "SAMEORIGIN"


def test_the_review_screen_shows_the_known_model_and_other_claims(staff_client, in_review, register, other_company):
    theirs = register("1000000005", user=other_company.memberships.get().user, company=other_company)
    ours = in_review("1000000005")
    page = staff_client.get(f"/review/{ours.pk}/").content.decode()
    assert "Known to SMA as</dt><dd>STP10.0-3SE-40" in page
    assert "Other registrations of this serial" in page
    assert f'<a href="/review/{theirs.pk}/">Soleil SRL</a>: More information needed' in page


def test_approving_registers_with_the_amount_emails_and_opens_the_next(staff_client, staff, in_review, installer,
                                                                         django_capture_on_commit_callbacks):
    first, second = in_review("1000000001"), in_review("1000000002")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = decide(staff_client, first, "approve")
    assert response["Location"] == f"/review/{second.pk}/"
    first.refresh_from_db()
    assert (first.status, first.reason, first.amount_cents) == (Status.ACCEPTED, Reason.APPROVED, 20000)
    last = first.history.last()
    assert (last.from_status, last.to_status, last.actor) == (Status.IN_REVIEW, Status.ACCEPTED, staff)
    [message] = mail.outbox
    assert "1000000001" in message.subject and installer.email in message.to

    response = decide(staff_client, second, "approve")
    assert response["Location"] == "/review/"  # the queue is empty
    assert "Nothing to review" in staff_client.get("/review/").content.decode()
    assert staff_client.get("/review/").context["counts"]["decided_today"] == 2


def test_rejecting_needs_a_reason_that_the_installer_then_reads(staff_client, in_review, installer_client):
    registration = in_review()
    response = decide(staff_client, registration, "reject", note="  ")
    assert response.status_code == 400
    assert "Write the reason; the installer will read it." in response.content.decode().replace("&#x27;", "'")
    registration.refresh_from_db()
    assert registration.status == Status.IN_REVIEW

    decide(staff_client, registration, "reject", note="The invoice is for another address.")
    registration.refresh_from_db()
    assert (registration.status, registration.reason, registration.amount_cents) == (
        Status.NOT_REGISTRABLE, Reason.REJECTED, None,
    )
    page = installer_client.get(f"/registrations/{registration.pk}/").content.decode()
    assert "The invoice is for another address." in page


def test_asking_again_gives_the_installer_a_new_deadline(staff_client, in_review, time_machine, installer_client):
    registration = in_review()
    time_machine.shift(timedelta(days=10))
    decide(staff_client, registration, "ask", note="Please upload the whole invoice, page 2 is missing.")
    registration.refresh_from_db()
    assert (registration.status, registration.reason) == (Status.MORE_INFO, Reason.DOCUMENTS_REQUESTED)
    assert timezone.localtime(registration.documents_due_at).date() == timezone.localdate() + timedelta(days=15)
    page = installer_client.get("/").content.decode()
    assert "14 days left" in page
    detail = installer_client.get(f"/registrations/{registration.pk}/").content.decode()
    assert "page 2 is missing" in detail


def test_approving_is_refused_when_the_serial_is_accepted_elsewhere(staff_client, in_review, register,
                                                                    other_company):
    zonnewerk = in_review("1000000002")
    theirs = in_review("1000000002", user=other_company.memberships.get().user)
    decide(staff_client, zonnewerk, "approve")
    response = decide(staff_client, theirs, "approve")
    assert response.status_code == 400
    assert "Serial number 1000000002 is already accepted for another registration." in response.content.decode()
    theirs.refresh_from_db()
    assert theirs.status == Status.IN_REVIEW
    assert theirs.history.count() == 2


def test_staff_can_audit_an_accepted_registration_from_the_review_screen(staff_client, register, campaign):
    accepted = register()
    assert accepted.status == Status.ACCEPTED
    page = staff_client.get(f"/review/{accepted.pk}/").content.decode()
    assert "Ask for documents (audit)" in page and ">Approve" not in page
    decide(staff_client, accepted, "ask", note="Random audit: please upload the invoice.")
    accepted.refresh_from_db()
    assert (accepted.status, accepted.reason) == (Status.MORE_INFO, Reason.DOCUMENTS_REQUESTED)
    assert accepted.history.last().note == "Random audit: please upload the invoice."


def test_a_decided_registration_offers_no_decision(staff_client, in_review):
    registration = in_review()
    decide(staff_client, registration, "approve")
    decide(staff_client, registration, "ask", note="again")  # accepted → audit is allowed
    decide(staff_client, registration, "reject", note="no")  # more info → reject is allowed
    page = staff_client.get(f"/review/{registration.pk}/").content.decode()
    assert "Nothing to decide in this status." in page
    response = decide(staff_client, registration, "approve")
    assert response.status_code == 400
    assert "cannot be changed this way" in response.content.decode()


def test_skipping_walks_through_the_whole_queue_and_wraps(staff_client, in_review):
    a, b, c = in_review("1000000001"), in_review("1000000002"), in_review("1000000003")
    assert staff_client.get(f"/review/{a.pk}/").context["next"] == b
    assert staff_client.get(f"/review/{b.pk}/").context["next"] == c
    assert staff_client.get(f"/review/{c.pk}/").context["next"] == a


def test_a_decision_opens_the_one_after_it_not_a_skipped_one(staff_client, in_review):
    a, b, c = in_review("1000000001"), in_review("1000000002"), in_review("1000000003")
    # The reviewer skipped A and decides B: next is C, not A again.
    assert decide(staff_client, b, "approve")["Location"] == f"/review/{c.pk}/"
    assert decide(staff_client, c, "approve")["Location"] == f"/review/{a.pk}/"


def test_the_search_stays_while_working_through_the_queue(staff_client, in_review, other_company):
    soleil = other_company.memberships.get().user
    first = in_review("1000000001", user=soleil)
    in_review("1000000002")
    third = in_review("1000000003", user=soleil)
    page = staff_client.get(f"/review/{first.pk}/", {"q": "Soleil SRL"})
    assert page.context["next"] == third
    assert 'name="q" value="Soleil SRL"' in page.content.decode()
    assert f'href="/review/{third.pk}/?q=Soleil+SRL"' in page.content.decode()
    response = staff_client.post(f"/review/{first.pk}/decide/", {"decision": "approve", "q": "soleil"})
    assert response["Location"] == f"/review/{third.pk}/?q=soleil"


def test_more_information_needed_offers_no_second_request(staff_client, register, documents_required):
    waiting = register()
    page = staff_client.get(f"/review/{waiting.pk}/").content.decode()
    assert 'value="ask"' not in page and 'value="approve"' in page and 'value="reject"' in page
