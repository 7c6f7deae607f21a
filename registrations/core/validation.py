"""Cleaning of the device values an installer sends, shared by the form, the Excel import and
the API (the address parts are cleaned by registrations.companies.addresses)."""

from django.utils import timezone
from django.utils.translation import gettext_lazy

from cashback.errors import InvalidInput


def check_installation_date(installed_on, today=None):
    today = today or timezone.localdate()
    if installed_on is None:
        raise InvalidInput(gettext_lazy("Enter the installation date."), field="installed_on")
    if installed_on > today:
        raise InvalidInput(gettext_lazy("The installation date cannot be in the future."), field="installed_on")
    return installed_on


def clean_reference(raw):
    value = str(raw or "").strip()
    if len(value) > 100:
        raise InvalidInput(gettext_lazy("Your own reference can be at most 100 characters."), field="reference")
    return value
