"""Writes to companies and their people: sign-up, enrolment, invitations, members."""

import base64
from datetime import timedelta

import qrcode
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice
from qrcode.image.svg import SvgPathImage

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cashback.errors import InvalidInput, NotAllowed

from . import signals
from .choices import Role
from .models import Company, Enrolment, Invitation, Membership, User


def sign_up(*, email, password, first_name, last_name, language, company_fields, campaign):
    """A new installer company: its first user (the company admin) and its enrolment."""
    with transaction.atomic():
        user = User.objects.create_user(
            email=email, password=password, first_name=first_name, last_name=last_name,
        )
        # The language of the sign-up page becomes the company's; its people follow it until
        # one of them picks another with the switch.
        company = Company.objects.create(language=language, **company_fields)
        Membership.objects.create(user=user, company=company, role=Role.ADMIN)
        Enrolment.objects.create(company=company, campaign=campaign, accepted_by=user)
    return user


def enrol(*, company, campaign, user):
    """Enrol an existing company in a (new) campaign; accepting its terms is the user's act."""
    _require_admin(user, company)
    enrolment, _created = Enrolment.objects.get_or_create(
        company=company, campaign=campaign, defaults={"accepted_by": user}
    )
    return enrolment


def invite_colleague(*, company, email, invited_by, role=Role.MEMBER):
    """Email a colleague a link to join the company; a newer invitation replaces a pending one."""
    _require_admin(invited_by, company)
    email = email.strip().lower()
    if _account_in_use(email):
        raise InvalidInput(_("%(email)s already has an account on this portal.") % {"email": email}, field="email")
    now = timezone.now()
    with transaction.atomic():
        company.invitations.pending().filter(email__iexact=email).update(revoked_at=now)
        invitation = Invitation.objects.create(
            company=company,
            email=email,
            role=role,
            invited_by=invited_by,
            created_at=now,
            expires_at=now + timedelta(days=settings.INVITATION_VALID_DAYS),
        )
        signals.colleague_invited.send(sender=Invitation, invitation=invitation)
    return invitation


def find_invitation(token):
    """The pending invitation for a token from an emailed link, or None."""
    pk = Invitation.pk_from_token(token or "", max_age=timedelta(days=settings.INVITATION_VALID_DAYS))
    if pk is None:
        return None
    return Invitation.objects.pending().select_related("company").filter(pk=pk).first()


def accept_invitation(*, token, first_name, last_name, password):
    """Create the colleague's account, or reactivate it when a company admin removed it before."""
    with transaction.atomic():
        invitation = find_invitation(token)
        if invitation is None:
            raise InvalidInput(_("This invitation link has expired or was already used."))
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if not invitation.is_pending:
            raise InvalidInput(_("This invitation link has expired or was already used."))
        if _account_in_use(invitation.email):
            raise InvalidInput(_("%(email)s already has an account on this portal.") % {"email": invitation.email})
        user = User.objects.filter(email__iexact=invitation.email).first() or User(email=invitation.email)
        # A colleague reads the company's language until they pick one with the switch.
        user.first_name, user.last_name, user.language, user.is_active = first_name, last_name, "", True
        user.set_password(password)
        user.save()
        Membership.objects.create(user=user, company=invitation.company, role=invitation.role)
        invitation.accepted_at = timezone.now()
        invitation.save(update_fields=["accepted_at"])
    return user


def _account_in_use(email):
    """An active account, or one that still belongs to a company. A removed colleague's
    deactivated account can be invited again, by any company."""
    return User.objects.filter(email__iexact=email).filter(
        models.Q(is_active=True) | models.Q(membership__isnull=False)
    ).exists()


def request_password_reset(user):
    """The reset link is emailed by the worker, in the user's language."""
    signals.password_reset_requested.send(sender=User, user=user)


def revoke_invitation(*, invitation, by):
    _require_admin(by, invitation.company)
    if invitation.is_pending:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
    return invitation


def remove_member(*, membership, by):
    """A company admin removes a colleague: the account is deactivated, their registrations stay."""
    _require_admin(by, membership.company)
    if membership.user_id == by.pk:
        raise NotAllowed(_("You cannot remove yourself."))
    with transaction.atomic():
        user = membership.user
        membership.delete()
        user.is_active = False
        user.save(update_fields=["is_active"])


def choose_language(user, language):
    """The person's language from now on, wherever they log in (the switch in the header)."""
    if language not in dict(settings.LANGUAGES):
        raise InvalidInput(_("This language is not offered."), field="language")
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])
    return user


def update_company(*, company, by, fields):
    _require_admin(by, company)
    for name, value in fields.items():
        setattr(company, name, value)
    company.save(update_fields=list(fields))
    return company


def _require_admin(user, company):
    membership = getattr(user, "membership", None)
    if membership is None or membership.company_id != company.pk or membership.role != Role.ADMIN:
        raise NotAllowed(_("Only a company admin can do this."))


# The second factor of campaign staff (django-otp, TOTP) ----------------------------------------


def second_factor_device(user):
    """The user's authenticator: the confirmed one, else the one being set up (made once, so a
    page reloaded while scanning keeps the same code)."""
    devices = TOTPDevice.objects.filter(user=user)
    device = devices.filter(confirmed=True).first() or devices.filter(confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name=_("Authenticator app"), confirmed=False)


def confirm_second_factor(request, device, token):
    """True, with this session confirmed (and a device being set up confirmed), when the code is
    right; each code works once."""
    if not device.verify_token(token.strip().replace(" ", "")):
        return False
    if not device.confirmed:
        device.confirmed = True
        device.save(update_fields=["confirmed"])
    otp_login(request, device)
    return True


def qr_code(device):
    """The device's key as a QR code for the app to scan: an SVG as a data URL (no request to
    anyone else, nothing inline that the pages' policy forbids)."""
    image = qrcode.make(device.config_url, image_factory=SvgPathImage, box_size=8)
    return "data:image/svg+xml;base64," + base64.b64encode(image.to_string()).decode()


def readable_secret(device):
    """The key to type in when scanning is not possible, in groups of four."""
    key = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i:i + 4] for i in range(0, len(key), 4))
