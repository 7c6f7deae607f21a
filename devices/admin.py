from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from .models import Campaign, CampaignProduct, KnownDevice, ProductFamily, ProductModel


@admin.register(ProductFamily)
class ProductFamilyAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "serial_length", "transferred_from_portal"]
    prepopulated_fields = {"code": ["name"]}


@admin.register(ProductModel)
class ProductModelAdmin(admin.ModelAdmin):
    list_display = ["code", "family", "description"]
    list_filter = ["family"]
    search_fields = ["code", "description"]


@admin.register(KnownDevice)
class KnownDeviceAdmin(admin.ModelAdmin):
    list_display = ["serial", "product", "produced_on", "imported_at"]
    list_filter = ["product__family", "product"]
    search_fields = ["=serial"]
    list_select_related = ["product"]
    autocomplete_fields = ["product"]
    # The list holds millions of rows: counting them all on every page costs more than it tells.
    show_full_result_count = False


class CampaignProductInline(admin.TabularInline):
    model = CampaignProduct
    extra = 0
    autocomplete_fields = ["product"]


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = [
        "name", "is_active", "installation_starts_on", "installation_ends_on", "registration_deadline",
        "enrolled_companies",
    ]
    list_filter = ["is_active"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [CampaignProductInline]
    fieldsets = [
        (None, {"fields": ["name", "slug", "is_active"]}),
        (_("Campaign terms"), {"fields": ["terms", "terms_fr", "terms_en"]}),
        (_("Period"), {"fields": ["installation_starts_on", "installation_ends_on", "registration_deadline"]}),
        (_("Document checks"), {"fields": [
            "document_deadline_days", "first_reminder_days", "second_reminder_days", "audit_sample_percent",
            "volume_check_threshold", "volume_check_window_days",
        ]}),
        (_("Budget"), {"fields": ["budget_cents", "company_cap_devices", "company_cap_cents", "budget_warned_percent"]}),
    ]
    readonly_fields = ["budget_warned_percent"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(enrolled=Count("enrolments"))

    def save_model(self, request, obj, form, change):
        if "budget_cents" in form.changed_data:
            obj.budget_warned_percent = 0  # a new budget: its 90% and its end are news again
        super().save_model(request, obj, form, change)

    @admin.display(description=_("enrolled companies"), ordering="enrolled")
    def enrolled_companies(self, obj):
        return obj.enrolled
