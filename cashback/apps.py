from pathlib import Path

from django.apps import AppConfig
from django.conf import settings


class CashbackConfig(AppConfig):
    """The project's shared plumbing; at start-up it makes the local folders the embedded
    default writes to (SQLite, the file-system queue, static files), so that reading the
    settings changes nothing on disk."""

    name = "cashback"
    verbose_name = "Cashback"

    def ready(self):
        folders = [settings.VAR_DIR, settings.STATIC_ROOT]
        folders += [path for key, path in settings.CELERY_BROKER_TRANSPORT_OPTIONS.items() if "folder" in key]
        for folder in folders:
            Path(folder).mkdir(parents=True, exist_ok=True)
