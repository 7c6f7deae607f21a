from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from cashback.formatting import format_money
from cashback.readonly_admin import ReadOnlyAdmin

from ..companies import admin as companies_admin
from ..companies.models import Company
from .access import MANAGE_PAYOUTS
from .models import BankAccount, BankAccountChange, PayoutBatch


class BankAccountInline(admin.StackedInline):
    """Read-only for staff: the company's admin enters bank details (and every change is mailed)."""

    model = BankAccount
    fields = ["holder", "masked", "bic", "updated_at", "updated_by"]
    readonly_fields = fields
    can_delete = False

    @admin.display(description=_("IBAN"))
    def masked(self, account):
        return account.masked_iban

    def has_add_permission(self, request, obj=None):
        return False


class BankAccountChangeInline(admin.TabularInline):
    model = BankAccountChange
    fields = ["changed_at", "changed_by", "old", "new"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(PayoutBatch)
class PayoutBatchAdmin(ReadOnlyAdmin):
    """Batches are made and moved on the finance pages (four eyes); the admin shows them."""

    list_display = ["reference", "state", "company_count", "item_count", "total", "created_by", "approved_by",
                    "executed_on", "finance_page"]
    list_filter = ["state"]
    search_fields = ["=reference"]
    # The files (full of IBANs) only through the finance pages, which check the permission.
    exclude = ["sepa_file", "summary_file"]

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm(MANAGE_PAYOUTS)

    @admin.display(description=_("total"))
    def total(self, batch):
        return format_money(batch.total_cents)

    @admin.display(description=_("finance page"))
    def finance_page(self, batch):
        return format_html('<a href="{}">{}</a>', reverse("finance_batch", args=[batch.pk]), batch.reference)


admin.site.unregister(Company)


@admin.register(Company)
class CompanyAdmin(companies_admin.CompanyAdmin):
    """The company's page with its bank details, read-only (the company's admin enters them)."""

    inlines = [*companies_admin.CompanyAdmin.inlines, BankAccountInline, BankAccountChangeInline]
