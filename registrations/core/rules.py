"""The rules engine: from the facts about one registration to a status, a reason and an amount.

A pure function. Everything it needs is gathered by the caller (registrations.core.registering,
in a constant number of queries for any number of rows), so every rule can be tested case by case
without a database, and the web form, the Excel import, the portal sync and the API all get
the same answer for the same facts.
"""

from dataclasses import dataclass, field
from datetime import date

from .choices import Reason, Status


@dataclass(slots=True)
class Facts:
    serial: str
    product: object  # devices.ProductModel claimed by the installer
    known_product: object | None  # model of the serial in the maker's list; None: unknown serial
    campaign: object  # devices.Campaign
    campaign_product: object | None  # the claimed product's line in the campaign, if any
    installed_on: date
    registered_on: date
    claimed_by_other_company: bool = False
    # The company's registrations in this campaign within the volume window, before this one.
    company_volume: int = 0
    # What is left before this one, None where the campaign sets no limit: of the campaign's
    # budget, and of the company's devices and cashback in the campaign.
    budget_left_cents: int | None = None
    company_devices_left: int | None = None
    company_cents_left: int | None = None


@dataclass(slots=True)
class Decision:
    status: Status
    reason: Reason
    amount_cents: int | None = None
    params: dict = field(default_factory=dict)

    @property
    def needs_documents(self):
        return self.status == Status.MORE_INFO


# Shared by every accepted decision (an upload makes 100,000 of them); never mutated.
NO_FACTS = {}


def decide(facts: Facts) -> Decision:
    campaign = facts.campaign
    # Only facts beyond the registration's own fields (serial, product, campaign), which the
    # message takes from the registration: thousands of rows of an upload carry these dicts.
    def refuse(reason, **extra):
        return Decision(Status.NOT_REGISTRABLE, reason, None, extra)

    if facts.known_product is None:
        return refuse(Reason.UNKNOWN_SERIAL)
    if facts.known_product is not facts.product and facts.known_product.pk != facts.product.pk:
        return refuse(Reason.MODEL_MISMATCH, known_product=facts.known_product.code)
    if facts.campaign_product is None:
        return refuse(Reason.PRODUCT_NOT_ELIGIBLE)
    if not campaign.installed_in_period(facts.installed_on):
        return refuse(
            Reason.INSTALLED_OUTSIDE_PERIOD,
            installed_on=facts.installed_on.isoformat(),
            period_start=campaign.installation_starts_on.isoformat(),
            period_end=campaign.installation_ends_on.isoformat(),
        )
    if not campaign.registration_open_on(facts.registered_on):
        return refuse(Reason.REGISTRATION_CLOSED, deadline=campaign.registration_deadline.isoformat())

    amount = facts.campaign_product.amount_cents
    if facts.budget_left_cents is not None and amount > facts.budget_left_cents:
        return refuse(Reason.BUDGET_USED_UP)
    if facts.company_devices_left is not None and facts.company_devices_left < 1:
        return refuse(Reason.COMPANY_LIMIT_REACHED, devices=campaign.company_cap_devices)
    if facts.company_cents_left is not None and amount > facts.company_cents_left:
        return refuse(Reason.COMPANY_LIMIT_REACHED, cents=campaign.company_cap_cents)

    def ask_documents(reason, **extra):
        return Decision(Status.MORE_INFO, reason, amount, extra)

    if facts.claimed_by_other_company:
        return ask_documents(Reason.CLAIMED_BY_OTHER_COMPANY)
    if facts.campaign_product.requires_documents:
        return ask_documents(Reason.PRODUCT_CHECK)
    threshold = campaign.volume_check_threshold
    if threshold is not None and facts.company_volume >= threshold:
        return ask_documents(
            Reason.VOLUME_CHECK, threshold=threshold, window_days=campaign.volume_check_window_days
        )
    if campaign.audit_selects(facts.serial):
        return ask_documents(Reason.AUDIT_SAMPLE)
    return Decision(Status.ACCEPTED, Reason.ELIGIBLE, amount, NO_FACTS)
