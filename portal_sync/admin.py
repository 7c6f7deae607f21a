from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from cashback.readonly_admin import ReadOnlyAdmin

from .models import PortalDevice, SyncRun, skipped_label


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
