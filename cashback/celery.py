import os

from celery import Celery

from cashback import logs  # noqa: F401 - its receivers write a log line per job

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cashback.settings")

app = Celery("cashback")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()  # <app>.tasks of every installed app (portal_sync)
# The registrations app keeps its tasks in its packages; their names are fixed (`name=`).
app.autodiscover_tasks(["registrations.documents", "registrations.notifications", "registrations.uploads"])