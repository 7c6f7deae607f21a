from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistrationsConfig(AppConfig):
    name = "registrations"
    verbose_name = _("Companies and registrations")

    def ready(self):
        from .api import schema  # noqa: F401 - the token's security scheme for the OpenAPI schema
