"""Emails to installers, rendered in the recipient company's language (HTML and plain text)."""

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMultiAlternatives
from django.db.models import Q, Sum
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from ..companies.models import User, person_label
from ..companies.selectors import admin_emails
from ..core.choices import ACCEPTED_STATUSES, CLAIM_STATUSES, Reason
from ..core.tallies import CompanyTally
from ..documents.inspection import accepted_text
from ..payouts import selectors as payout_selectors


def send(*, to, subject_template, body_template, context, language, html=True):
    with translation.override(language):
        context = {**context, "site_url": settings.SITE_URL}
        subject = " ".join(render_to_string(subject_template, context).split())
        text = render_to_string(f"{body_template}.txt", context)
        html_body = render_to_string(f"{body_template}.html", context) if html else None
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, to)
    if html_body:
        message.attach_alternative(html_body, "text/html")
    message.send()


def send_invitation(invitation):
    send(
        to=[invitation.email],
        subject_template="notifications/invitation_subject.txt",
        body_template="notifications/invitation",
        context={
            "invitation": invitation,
            "company": invitation.company,
            "inviter": invitation.invited_by,
            "accept_url": settings.SITE_URL + reverse("accept_invitation", args=[invitation.token]),
        },
        language=invitation.company.language,
    )


def send_password_reset(user):
    # The token is made here, in the worker: it stays valid until the password changes.
    uid, token = urlsafe_base64_encode(force_bytes(user.pk)), default_token_generator.make_token(user)
    send(
        to=[user.email],
        subject_template="notifications/password_reset_subject.txt",
        body_template="notifications/password_reset",
        context={
            "user": user,
            "reset_url": settings.SITE_URL + reverse("password_reset_confirm", args=[uid, token]),
        },
        language=user.preferred_language or settings.LANGUAGE_CODE,
        html=False,
    )


def recipients(registrations):
    """The company's contact address and the colleagues who registered these devices."""
    company = registrations[0].company
    addresses = [company.contact_email]
    for registration in registrations:
        user = registration.created_by
        if user is not None and user.is_active and user.email not in addresses:
            addresses.append(user.email)
    return addresses[:20]


def _send_about(registrations, template, **context):
    company = registrations[0].company
    send(
        to=recipients(registrations),
        subject_template=f"notifications/{template}_subject.txt",
        body_template=f"notifications/{template}",
        context={"company": company, "registrations": registrations[:LISTED], "count": len(registrations),
                 "more": max(0, len(registrations) - LISTED), "one": registrations[0] if len(registrations) == 1 else None,
                 "accepted": _accepted, **context},
        language=company.language,
    )


LISTED = 50  # devices listed one by one in an email; the rest are one link away


class _Accepted:
    """Rendered in the email's language (the template runs under translation.override)."""

    def __str__(self):
        return accepted_text()


_accepted = _Accepted()


def send_documents_needed(registrations):
    _send_about(registrations, "documents_needed")


def send_reminder(registrations, days_left):
    _send_about(registrations, "documents_reminder", days_left=days_left)


def send_expired(registrations):
    _send_about(registrations, "deadline_expired")


def send_deadline_extended(registrations):
    # The campaign team's reason, as they wrote it, is in the latest history row of each.
    note = registrations[0].history.filter(reason=Reason.DEADLINE_EXTENDED).order_by("-created_at", "-id").values_list(
        "note", flat=True).first()
    _send_about(registrations, "deadline_extended", note=note or "")


def send_decision(change):
    """The decision of this history row, whatever the registration's status is by now."""
    registration = change.registration
    registration.status, registration.reason, registration.note = change.to_status, change.reason, change.note
    approved = change.to_status in ACCEPTED_STATUSES
    _send_about([registration], "decision", approved=approved, staff_note=change.note if approved else "")


def company_contacts(company):
    """Money matters go to the company's contact address and to its admins."""
    return list(dict.fromkeys([company.contact_email, *admin_emails(company)]))[:20]


def send_bank_details_changed(change):
    """To the company's admins: a change of bank details is how payout fraud starts."""
    company = change.company
    send(
        to=company_contacts(company),
        subject_template="notifications/bank_details_changed_subject.txt",
        body_template="notifications/bank_details_changed",
        context={"company": company, "change": change, "who": person_label(change.changed_by, in_a_sentence=True)},
        language=company.language,
    )


def send_payout(batch, company):
    items = list(payout_selectors.items_paid_to(company, batch))
    if not items:
        return
    send(
        to=company_contacts(company),
        subject_template="notifications/payout_subject.txt",
        body_template="notifications/payout",
        context={"company": company, "batch": batch, "items": items[:LISTED], "more": max(0, len(items) - LISTED),
                 "count": len(items), "total_cents": sum(i.amount_cents for i in items),
                 "account": payout_selectors.payment_to(company, batch)},
        language=company.language,
    )


def send_budget_used(campaign, percent):
    """To the campaign team, each in their language: the budget is 90% committed, or used up."""
    committed = CompanyTally.objects.filter(campaign=campaign, status__in=CLAIM_STATUSES).aggregate(
        cents=Sum("amount_cents"))["cents"] or 0
    for user in campaign_team():
        send(
            to=[user.email],
            subject_template="notifications/budget_used_subject.txt",
            body_template="notifications/budget_used",
            context={"campaign": campaign, "percent": percent, "committed_cents": committed,
                     "desk_url": settings.SITE_URL + reverse("desk") + f"?campaign={campaign.pk}"},
            language=user.preferred_language or settings.LANGUAGE_CODE,
            html=False,
        )


def campaign_team():
    """Active staff who run the campaign (the permission, directly or through a group, or all of it)."""
    return User.objects.filter(is_active=True, is_staff=True).filter(
        Q(is_superuser=True) | Q(user_permissions__codename="run_campaign") | Q(groups__permissions__codename="run_campaign")
    ).distinct().order_by("pk")


def send_campaign_ended(campaign, company):
    send(
        to=company_contacts(company),
        subject_template="notifications/campaign_ended_subject.txt",
        body_template="notifications/campaign_ended",
        context={"company": company, "campaign": campaign},
        language=company.language,
        html=False,
    )


def send_notice(notice, company):
    """The campaign team's own words, in the company's language: sent as they wrote them."""
    subject, text = notice.in_language(company.language)
    send(
        to=company_contacts(company),
        subject_template="notifications/notice_subject.txt",
        body_template="notifications/notice",
        context={"company": company, "campaign": notice.campaign, "subject": subject, "text": text},
        language=company.language,
        html=False,
    )
