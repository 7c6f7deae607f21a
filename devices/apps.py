from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DevicesConfig(AppConfig):
    name = "devices"
    verbose_name = _("Products and campaigns")

    def ready(self):
        from django.db.models import CharField

        from cashback.lookups import AnyOf

        CharField.register_lookup(AnyOf)
