"""Emails to installers, rendered in the recipient company's language (HTML and plain text)."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation


def send(*, to, subject_template, body_template, context, language):
    with translation.override(language):
        context = {**context, "site_url": settings.SITE_URL}
        subject = " ".join(render_to_string(subject_template, context).split())
        text = render_to_string(f"{body_template}.txt", context)
        html = render_to_string(f"{body_template}.html", context)
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, to)
    message.attach_alternative(html, "text/html")
    message.send()


def send_invitation(invitation, token):
    send(
        to=[invitation.email],
        subject_template="emails/invitation_subject.txt",
        body_template="emails/invitation",
        context={
            "invitation": invitation,
            "company": invitation.company,
            "inviter": invitation.invited_by,
            "accept_url": settings.SITE_URL + reverse("accept_invitation", args=[token]),
        },
        language=invitation.company.language,
    )
