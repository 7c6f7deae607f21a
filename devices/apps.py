from django.apps import AppConfig
from django.db.models import CharField
from django.utils.translation import gettext_lazy as _

from cashback.lookups import AnyOf


class DevicesConfig(AppConfig):
    name = "devices"
    verbose_name = _("Products and campaigns")

    def ready(self):
        CharField.register_lookup(AnyOf)
