"""The vocabulary of installer companies: where they are and who does what in them."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Country(models.TextChoices):
    NL = "NL", _("Netherlands")
    BE = "BE", _("Belgium")
    LU = "LU", _("Luxembourg")


class Role(models.TextChoices):
    ADMIN = "admin", _("Company admin")
    MEMBER = "member", _("Colleague")
