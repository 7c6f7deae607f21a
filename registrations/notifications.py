"""Emails to installers, rendered in the recipient company's language (HTML and plain text)."""

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode


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
        subject_template="emails/invitation_subject.txt",
        body_template="emails/invitation",
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
        subject_template="registration/password_reset_subject.txt",
        body_template="registration/password_reset_email",
        context={
            "user": user,
            "reset_url": settings.SITE_URL + reverse("password_reset_confirm", args=[uid, token]),
        },
        language=user.language,
        html=False,
    )
