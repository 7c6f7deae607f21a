from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistrationsConfig(AppConfig):
    name = "registrations"
    verbose_name = _("Companies and registrations")

    def ready(self):
        # The emails that follow the packages' changes, and the API token's OpenAPI scheme.
        from .api import schema  # noqa: F401
        from .notifications import receivers  # noqa: F401
