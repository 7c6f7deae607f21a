from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistrationsConfig(AppConfig):
    name = "registrations"
    verbose_name = _("Companies and registrations")

    def ready(self):
        # Imported once the apps are loaded, for what importing does: the receivers connect the
        # emails to the packages' changes, the schema registers the API token's OpenAPI scheme.
        from .api import schema  # noqa: F401
        from .notifications import receivers  # noqa: F401
