"""What installers read about a registration: its status label and the reason in plain words.

Rendered at display time from the stored reason code and facts, so the same registration reads
in Dutch, French or English depending on who looks (or on the company's language in emails).
"""

from functools import lru_cache

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from cashback.dates import last_day_before
from cashback.formatting import format_day, format_money, format_number

from .choices import Reason, Status


class _Params(dict):
    """A missing fact renders as a dash rather than breaking the page."""

    def __missing__(self, key):
        return "–"


def due_day(due_at):
    """The last day on which documents are accepted (the deadline is the end of that day)."""
    if not due_at:
        return None
    return last_day_before(due_at)


def documents_due_day(registration):
    return due_day(registration.documents_due_at)


def status_text(status, product_code, serial):
    if status == Status.NOT_REGISTRABLE:
        return _(
            "Not registrable – The product %(product)s with serial number %(serial)s is not "
            "covered by this campaign or does not exist"
        ) % {"product": product_code, "serial": serial}
    return str(Status(status).label)


def status_label(registration):
    return status_text(registration.status, registration.product.code, registration.serial)


def describe(registration):
    """The reason in plain words: which serial, which model, which date, what to do next."""
    return describe_reason(
        registration.reason,
        registration.reason_params,
        serial=registration.serial,
        product_code=registration.product.code if registration.product_id else "",
        campaign_name=registration.campaign.name if registration.campaign_id else "",
        amount_cents=registration.amount_cents,
        due_at=registration.documents_due_at,
        note=registration.note,
        paid_at=registration.paid_at,
    )


def describe_reason(reason, params, *, serial, product_code, campaign_name="", amount_cents=None, due_at=None,
                    note="", paid_at=None):
    """describe() for callers without a Registration object (an upload's thousands of rows).

    The text is made once per distinct set of facts and language, with the serial filled in
    afterwards: the rows of an upload mostly share their reason, product, amount and deadline.
    """
    key = (get_language(), reason, tuple(sorted((params or {}).items())), product_code, campaign_name,
           amount_cents, due_at, note, paid_at)
    return _described(key).replace(_SERIAL, serial)


_SERIAL = "\x00serial\x00"


@lru_cache(maxsize=4096)
def _described(key):
    _language, reason, params, product_code, campaign_name, amount_cents, due_at, note, paid_at = key
    return _describe(reason, dict(params), serial=_SERIAL, product_code=product_code, campaign_name=campaign_name,
                     amount_cents=amount_cents, due_at=due_at, note=note, paid_at=paid_at)


def _describe(reason, params, *, serial, product_code, campaign_name, amount_cents, due_at, note, paid_at):
    p = _Params(params or {})
    p.setdefault("serial", serial)
    p.setdefault("product", product_code)
    p.setdefault("campaign", campaign_name)
    p["amount"] = format_money(amount_cents)
    p["due"] = format_day(due_day(due_at))
    p["note"] = note
    for key in ("installed_on", "period_start", "period_end", "deadline", "paid_on"):
        if key in p:
            p[key] = format_day(p[key])
    if "paid_on" not in p and paid_at:
        p["paid_on"] = format_day(paid_at)
    upload = _("Upload the invoice or the commissioning protocol before the end of %(due)s.") % p

    if reason == Reason.ELIGIBLE:
        return _(
            "%(product)s with serial number %(serial)s meets the campaign conditions. "
            "The cashback of %(amount)s will be paid in one of the next payouts."
        ) % p
    if reason == Reason.UNKNOWN_SERIAL:
        return _(
            "Serial number %(serial)s is not in SMA's list of devices. Check the serial number "
            "on the type label for a typing error and register the device again."
        ) % p
    if reason == Reason.MODEL_MISMATCH:
        return _(
            "Serial number %(serial)s belongs to a %(known_product)s, not to a %(product)s. "
            "If the serial number is right, register it again with product type %(known_product)s."
        ) % p
    if reason == Reason.PRODUCT_NOT_ELIGIBLE:
        return _(
            "%(product)s does not take part in %(campaign)s. Only the products listed in the "
            "campaign are eligible for cashback."
        ) % p
    if reason == Reason.INSTALLED_OUTSIDE_PERIOD:
        return _(
            "The installation date %(installed_on)s is outside the campaign period "
            "(%(period_start)s to %(period_end)s). If the date is wrong, contact the campaign team."
        ) % p
    if reason == Reason.REGISTRATION_CLOSED:
        return _("Registrations for %(campaign)s closed on %(deadline)s.") % p
    if reason == Reason.BUDGET_USED_UP:
        return _(
            "The budget of %(campaign)s is used up, so %(product)s with serial number %(serial)s cannot receive "
            "cashback."
        ) % p
    if reason == Reason.COMPANY_LIMIT_REACHED and "cents" in p:
        return _("Your company reached the campaign's limit of %(limit)s cashback in %(campaign)s.") % {
            **p, "limit": format_money(p["cents"])}
    if reason == Reason.COMPANY_LIMIT_REACHED:
        return _("Your company reached the campaign's limit of %(devices)s devices in %(campaign)s.") % {
            **p, "devices": format_number(p.get("devices") or 0)}
    if reason == Reason.CLAIMED_BY_OTHER_COMPANY:
        return _(
            "Serial number %(serial)s has also been registered by another company. Show that "
            "your company installed this device: %(upload)s"
        ) % {**p, "upload": upload}
    if reason == Reason.PRODUCT_CHECK:
        return _("Registrations of %(product)s are checked with documents. %(upload)s") % {
            **p,
            "upload": upload,
        }
    if reason in (Reason.VOLUME_CHECK, Reason.AUDIT_SAMPLE):
        return _("This registration was selected for a document check. %(upload)s") % {
            **p,
            "upload": upload,
        }
    if reason == Reason.DOCUMENTS_REQUESTED:
        text = _("Campaign staff need more information. %(upload)s") % {**p, "upload": upload}
        return f"{text} {note}".strip()
    if reason == Reason.DOCUMENTS_RECEIVED:
        return _("We received your documents and are reviewing them. You do not need to do anything.")
    if reason == Reason.APPROVED:
        return _(
            "Your documents were approved. The cashback of %(amount)s will be paid in one of the "
            "next payouts."
        ) % p
    if reason == Reason.REJECTED:
        return _("Rejected after review of the documents: %(note)s") % p
    if reason == Reason.DEADLINE_EXPIRED:
        return _(
            "No documents were uploaded in time, so the registration could not be accepted."
        )
    if reason == Reason.PAID:
        return _("The cashback of %(amount)s was paid on %(paid_on)s.") % p
    return str(Reason(reason).label) if reason in Reason.values else ""

