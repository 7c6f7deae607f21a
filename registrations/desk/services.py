"""The campaign's life, as the campaign team runs it: ending it early, more time for documents,
a notice to every enrolled company, next year's campaign from this one. Each act is one
transaction with its CampaignEvent (who, when, why); the emails leave through the outbox once
it is committed."""

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cashback.errors import InvalidInput
from cashback.formatting import format_day
from cashback.queue import enqueue
from devices.models import Campaign, CampaignProduct

from ..companies.models import Company
from ..core.models import Registration
from ..documents import services as documents
from ..notifications import tasks as emails
from ..notifications.models import Notice
from .models import CampaignEvent

# What a copy takes over from the campaign it copies, besides its products and amounts.
_COPIED = ("document_deadline_days", "first_reminder_days", "second_reminder_days", "audit_sample_percent",
           "volume_check_threshold", "volume_check_window_days", "budget_cents", "company_cap_devices",
           "company_cap_cents", "terms", "terms_fr", "terms_en")


def _why(note):
    note = (note or "").strip()
    if not note:
        raise InvalidInput(_("Say why: the companies and the history read it."), field="note")
    return note


def _record(campaign, kind, *, actor, at, note, **details):
    return CampaignEvent.objects.create(campaign=campaign, kind=kind, actor=actor, at=at, note=note, details=details)


def enrolled_companies(campaign):
    return Company.objects.filter(enrolments__campaign=campaign).distinct().order_by("pk")


def end_campaign(campaign, *, registration_deadline, actor, note, now=None):
    """The campaign ends early: registrations close after `registration_deadline` (today at the
    earliest), installers see it on every page from now, and every enrolled company is emailed
    once in its language. Registrations already made keep their status."""
    note, now = _why(note), now or timezone.now()
    if registration_deadline < timezone.localdate(now):
        raise InvalidInput(_("The new deadline cannot be before today."), field="registration_deadline")
    with transaction.atomic():
        current = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if registration_deadline >= current.registration_deadline:
            raise InvalidInput(
                _("Ending early needs a deadline before the current one, %(deadline)s.")
                % {"deadline": format_day(current.registration_deadline)}, field="registration_deadline")
        before = current.registration_deadline
        current.registration_deadline, current.ended_early_at = registration_deadline, now
        current.save(update_fields=["registration_deadline", "ended_early_at"])
        companies = list(enrolled_companies(current).values_list("pk", flat=True))
        _record(current, CampaignEvent.Kind.ENDED_EARLY, actor=actor, at=now, note=note,
                deadline_before=before.isoformat(), deadline=registration_deadline.isoformat(),
                companies=len(companies))
        for company_id in companies:
            enqueue(emails.notify_campaign_ended, current.pk, company_id)
    return current


def extend_deadlines(campaign, *, until, actor, note, customer_number="", serial="", now=None):
    """More time for the documents of the campaign's registrations waiting for them, all or one
    company's (its customer number) or one serial's. A history row each and one email per
    company (registrations.documents.services.extend_deadlines); the act is recorded here."""
    note, now = _why(note), now or timezone.now()
    chosen = Registration.objects.filter(campaign=campaign)
    if customer_number:
        chosen = chosen.filter(company__customer_number=customer_number.strip().upper())
    if serial:
        chosen = chosen.filter(serial=serial.strip())
    with transaction.atomic():
        count = documents.extend_deadlines(chosen, until=until, actor=actor, note=note, now=now)
        _record(campaign, CampaignEvent.Kind.DEADLINES_EXTENDED, actor=actor, at=now, note=note,
                until=until.isoformat(), registrations=count, customer_number=customer_number, serial=serial)
    return count


def send_notice(campaign, *, texts, actor, now=None):
    """A notice to every enrolled company, one email each in its language, however many people
    it has. `texts`: {"subject_nl": …, "text_nl": …, and the same for fr and en}."""
    now = now or timezone.now()
    with transaction.atomic():
        companies = list(enrolled_companies(campaign).values_list("pk", flat=True))
        notice = Notice.objects.create(campaign=campaign, sent_by=actor, sent_at=now, companies=len(companies), **texts)
        _record(campaign, CampaignEvent.Kind.NOTICE_SENT, actor=actor, at=now, note=notice.subject_nl,
                notice=notice.pk, companies=len(companies))
        for company_id in companies:
            enqueue(emails.notify_notice, notice.pk, company_id)
    return notice


def copy_campaign(campaign, *, name, slug, installation_starts_on, installation_ends_on, registration_deadline,
                  actor, now=None):
    """Next year's campaign: a new one, not yet active, with this one's products, amounts and
    checks; its dates are the new ones. Companies enrol in it themselves."""
    now = now or timezone.now()
    if Campaign.objects.filter(slug=slug).exists():
        raise InvalidInput(_("A campaign with this short name exists already."), field="slug")
    copy = Campaign(name=name, slug=slug, is_active=False, installation_starts_on=installation_starts_on,
                    installation_ends_on=installation_ends_on, registration_deadline=registration_deadline,
                    **{field: getattr(campaign, field) for field in _COPIED})
    try:
        copy.full_clean()
    except ValidationError as error:
        field, [message, *_rest] = next(iter(error.message_dict.items()))
        raise InvalidInput(message, field=None if field == NON_FIELD_ERRORS else field) from None
    with transaction.atomic():
        copy.save()
        CampaignProduct.objects.bulk_create([
            CampaignProduct(campaign=copy, product_id=line.product_id, amount_cents=line.amount_cents,
                            requires_documents=line.requires_documents)
            for line in CampaignProduct.objects.filter(campaign=campaign)
        ])
        _record(campaign, CampaignEvent.Kind.COPIED, actor=actor, at=now, note=name, copy=copy.pk, slug=slug)
    return copy
