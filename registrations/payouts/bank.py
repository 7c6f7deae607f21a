"""A company's bank details: validated with schwifty, every change recorded and announced."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException

from cashback.errors import InvalidInput

from . import signals
from .models import BankAccount, BankAccountChange


def clean_bank_details(iban, bic, holder):
    """(IBAN compact, BIC or "", holder), or InvalidInput naming the field."""
    try:
        account = IBAN(iban or "")
    except SchwiftyException:
        raise InvalidInput(
            _("This IBAN is not valid. Check it against a bank statement: a typing error changes its check digits."),
            field="iban",
        ) from None
    if not account.in_sepa_zone:
        raise InvalidInput(_("Cashback is paid by SEPA transfer: enter an IBAN of a SEPA country."), field="iban")
    bic = "".join((bic or "").split()).upper()
    if bic:
        try:
            code = BIC(bic)
        except SchwiftyException:
            raise InvalidInput(_("This BIC is not valid. It has 8 or 11 letters and digits."), field="bic") from None
        if code.country_code != account.country_code:
            raise InvalidInput(
                _("This BIC is of a bank in %(bic_country)s, the IBAN of an account in %(iban_country)s.")
                % {"bic_country": code.country_code, "iban_country": account.country_code},
                field="bic",
            )
        known = account.bic
        if known is not None and str(known)[:6] != str(code)[:6]:
            raise InvalidInput(
                _("This BIC is not the bank of this IBAN (that is %(bic)s).") % {"bic": str(known)}, field="bic"
            )
        bic = str(code)
    holder = " ".join((holder or "").split())
    if not holder:
        raise InvalidInput(_("Enter the name of the account holder."), field="holder")
    return account.compact, bic, holder[:70]


def _describe(account):
    if account is None:
        return ""
    parts = [account.masked_iban, account.bic, account.holder]
    return ", ".join(p for p in parts if p)


def set_bank_account(company, *, iban, bic, holder, user):
    """Save the company's bank details (company admins only: the view checks), record the
    change with the old and new details masked, and email the company's admins."""
    iban, bic, holder = clean_bank_details(iban, bic, holder)
    with transaction.atomic():
        account = BankAccount.objects.select_for_update().filter(company=company).first()
        old = _describe(account)
        if account is None:
            account = BankAccount(company=company)
        elif (account.iban, account.bic, account.holder) == (iban, bic, holder):
            return account  # nothing changed: nothing to record or announce
        account.iban, account.bic, account.holder = iban, bic, holder
        account.updated_at, account.updated_by = timezone.now(), user
        account.save()
        change = BankAccountChange.objects.create(company=company, changed_by=user, old=old, new=_describe(account))
        signals.bank_details_changed.send(sender=BankAccount, change=change)
    return account
