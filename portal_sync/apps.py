from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalSyncConfig(AppConfig):
    name = "portal_sync"
    verbose_name = _("Monitoring portal sync")

    def ready(self):
        from . import checks  # noqa: F401 - registers the deploy check
