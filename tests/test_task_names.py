"""Celery tasks keep their names when code moves: a message queued before a deploy names the
task it wants, and the beat schedule names its tasks too."""

from django.conf import settings

from cashback import celery_app

# The names as they were before registrations/ was split into packages (issue 11), and those added
# since; never rename one.
NAMES = {
    "registrations.tasks.check_upload",
    "registrations.tasks.document_deadlines",
    "registrations.tasks.expire_unconfirmed_uploads",
    "registrations.tasks.notify_bank_details_changed",
    "registrations.tasks.notify_decision",
    "registrations.tasks.notify_documents_needed",
    "registrations.tasks.notify_expired",
    "registrations.tasks.notify_payout",
    "registrations.tasks.notify_reminder",
    "registrations.tasks.notify_budget_used",
    "registrations.tasks.notify_deadline_extended",
    "registrations.tasks.notify_campaign_ended",
    "registrations.tasks.notify_notice",
    "registrations.tasks.register_upload",
    "registrations.tasks.send_invitation_email",
    "registrations.tasks.send_password_reset_email",
    "portal_sync.tasks.sync_portals",
    "cashback.tasks.relay_jobs",
    "cashback.tasks.heartbeat",
}


def test_the_worker_finds_every_task_under_its_old_name():
    celery_app.loader.import_default_modules()  # what a worker does when it starts: autodiscovery
    registered = {name for name in celery_app.tasks if not name.startswith("celery.")}
    assert registered == NAMES


def test_the_beat_schedule_names_registered_tasks():
    celery_app.loader.import_default_modules()
    assert {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()} <= set(celery_app.tasks)
