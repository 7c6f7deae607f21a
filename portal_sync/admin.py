from django.contrib import admin, messages
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _

from cashback.readonly_admin import ReadOnlyAdmin

from . import services
from .models import PortalDevice, SyncLock, SyncRun, skipped_label


@admin.register(SyncRun)
class SyncRunAdmin(ReadOnlyAdmin):
    list_display = ["started_at", "state", "trigger", "customer_number", "took", "companies", "devices_seen",
                    "registered", "unchanged", "error_count"]
    list_filter = ["state", "trigger"]
    search_fields = ["=customer_number"]
    date_hierarchy = "started_at"
    fields = ["state", "trigger", "customer_number", "started_at", "finished_at", "took", "companies",
              "devices_seen", "registered", "unchanged", "skipped_by_reason", "error_count", "error_list"]
    readonly_fields = fields

    def changelist_view(self, request, extra_context=None):
        # A crashed run blocks the next until its lock expires: say so where staff look.
        lock = SyncLock.objects.filter(name=services.LOCK, expires_at__gt=timezone.now()).first()
        if lock is not None and services.holder_gone(lock.holder):
            self.message_user(request, format_html(
                _("The sync's lock is held until {} by a run whose process is gone. <a href=\"{}\">Release it</a> "
                  "to let the next run start now."),
                date_format(localtime(lock.expires_at), "DATETIME_FORMAT"),
                reverse("admin:portal_sync_synclock_changelist")), messages.WARNING)
        return super().changelist_view(request, extra_context)

    @admin.display(description=_("duration"))
    def took(self, run):
        return f"{run.duration.total_seconds():.1f} s" if run.duration else "–"

    @admin.display(description=_("not registered, by reason"))
    def skipped_by_reason(self, run):
        return format_html_join(
            "", "<div>{}: {}</div>", ((skipped_label(k), v) for k, v in sorted(run.skipped.items()))
        ) or "–"

    @admin.display(description=_("errors"))
    def error_list(self, run):
        if not run.errors:
            return "–"
        return format_html("<ul>{}</ul>", format_html_join(
            "", "<li>{} {} – {}</li>",
            ((e.get("portal", ""), e.get("customer_number", ""), e.get("message", "")) for e in run.errors[:200]),
        ))


@admin.register(PortalDevice)
class PortalDeviceAdmin(ReadOnlyAdmin):
    list_display = ["serial", "company", "portal", "product_code", "installed_on", "data_received_at",
                    "number_entered_at", "transfer", "reason", "registration_link"]
    list_filter = ["transfer", "portal", "reason"]
    search_fields = ["=serial", "company__name", "=company__customer_number", "plant_name"]
    list_select_related = ["company"]
    date_hierarchy = "data_received_at"

    @admin.display(description=_("registration"))
    def registration_link(self, device):
        if not device.registration_id:
            return "–"
        url = reverse("admin:registrations_registration_change", args=[device.registration_id])
        return format_html('<a href="{}">#{}</a>', url, device.registration_id)


@admin.register(SyncLock)
class SyncLockAdmin(ReadOnlyAdmin):
    """One run at a time: the lock, who holds it, and a way out when its holder died."""

    list_display = ["name", "expires_at", "holder", "holder_state"]
    actions = ["release_dead_lock"]

    @admin.display(description=_("held by"))
    def holder_state(self, lock):
        if lock.expires_at <= timezone.now():
            return _("free")
        if services.holder_gone(lock.holder):
            return _("a run whose process is gone")
        return _("a run that may be alive (it expires by itself)")

    @admin.action(description=_("Release the lock of a run whose process is gone"))
    def release_dead_lock(self, request, queryset):
        if services.release_dead_lock(by=request.user.email):
            self.message_user(request, _("The lock was released; the next run can start."), messages.SUCCESS)
        else:
            self.message_user(request, _("Nothing released: the lock is free, or its run may still be alive."),
                              messages.WARNING)
