from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from cashback.formatting import format_money
from cashback.readonly_admin import ReadOnlyAdmin

from .models import Registration, StatusChange


class StatusChangeInline(admin.TabularInline):
    model = StatusChange
    extra = 0
    fields = ["created_at", "from_status", "to_status", "reason", "actor", "job", "note"]
    readonly_fields = fields
    can_delete = False
    ordering = ["created_at", "id"]

    def has_add_permission(self, request, obj=None):
        return False


class RegistrationAdmin(admin.ModelAdmin):
    """Registrations are decided by the rules; nobody edits them here. registrations.documents
    adds the documents and the decisions (actions that call its services)."""

    list_display = ["serial", "product", "company", "status", "reason", "source", "campaign", "amount", "created_at"]
    list_filter = ["status", "reason", "campaign", "source", "country"]
    search_fields = ["=serial", "company__name", "=company__customer_number", "reference"]
    list_select_related = ["product", "company", "campaign"]
    date_hierarchy = "created_at"
    inlines = [StatusChangeInline]
    show_full_result_count = False
    fieldsets = [
        (None, {"fields": ["company", "campaign", "serial", "product", "known_device", "installed_on",
                           "postcode", "country", "reference", "source", "created_by", "created_at"]}),
        (_("Status"), {"fields": ["review", "status", "reason", "message", "note", "amount_cents",
                                  "documents_due_at", "reminders_sent", "status_changed_at", "paid_at"]}),
    ]

    def get_readonly_fields(self, request, obj=None):
        return [field for fieldset in self.fieldsets for field in fieldset[1]["fields"]]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("message to the installer"))
    def message(self, obj):
        return obj.message

    @admin.display(description=_("review screen"))
    def review(self, obj):
        return format_html('<a href="{}">{}</a>', reverse("review_registration", args=[obj.pk]),
                           _("Open the review screen"))

    @admin.display(description=_("cashback"), ordering="amount_cents")
    def amount(self, obj):
        return format_money(obj.amount_cents)


@admin.register(StatusChange)
class StatusChangeAdmin(ReadOnlyAdmin):
    list_display = ["registration", "from_status", "to_status", "reason", "actor", "job", "created_at"]
    list_filter = ["to_status", "reason", "job"]
    search_fields = ["=registration__serial"]
    list_select_related = ["registration__product", "actor"]
    show_full_result_count = False


admin.site.register(Registration, RegistrationAdmin)
