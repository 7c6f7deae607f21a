from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _, ngettext

from cashback.errors import DomainError
from cashback.readonly_admin import ReadOnlyAdmin

from . import services
from .choices import RowResult
from .models import (
    BankAccount,
    BankAccountChange,
    Company,
    Document,
    Enrolment,
    Invitation,
    Membership,
    PayoutBatch,
    Registration,
    StatusChange,
    Upload,
    User,
)
from .wording import format_money


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "company_name", "is_staff", "is_active"]
    list_filter = ["is_staff", "is_superuser", "is_active", "groups"]
    search_fields = ["email", "first_name", "last_name", "membership__company__name"]
    list_select_related = ["membership__company"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Personal info"), {"fields": ["first_name", "last_name", "language"]}),
        (_("Permissions"), {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        (_("Important dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]

    @admin.display(description=_("company"), ordering="membership__company__name")
    def company_name(self, obj):
        membership = getattr(obj, "membership", None)
        return membership.company.name if membership else ""


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


class EnrolmentInline(admin.TabularInline):
    model = Enrolment
    extra = 0
    readonly_fields = ["terms_accepted_at", "accepted_by"]


class InvitationInline(admin.TabularInline):
    model = Invitation
    extra = 0
    fields = ["email", "role", "invited_by", "created_at", "expires_at", "accepted_at", "revoked_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


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


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ["name", "customer_number", "vat_number", "country", "city", "contact_email", "created_at"]
    list_filter = ["country", "enrolments__campaign"]
    search_fields = ["name", "customer_number", "vat_number", "contact_email"]
    inlines = [MembershipInline, EnrolmentInline, InvitationInline, BankAccountInline, BankAccountChangeInline]


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
        return request.user.has_perm("registrations.manage_payouts")

    def has_module_permission(self, request):
        return super().has_module_permission(request)

    @admin.display(description=_("total"))
    def total(self, batch):
        return format_money(batch.total_cents)

    @admin.display(description=_("finance page"))
    def finance_page(self, batch):
        return format_html('<a href="{}">{}</a>', reverse("finance_batch", args=[batch.pk]), batch.reference)


class StatusChangeInline(admin.TabularInline):
    model = StatusChange
    extra = 0
    fields = ["created_at", "from_status", "to_status", "reason", "actor", "job", "note"]
    readonly_fields = fields
    can_delete = False
    ordering = ["created_at", "id"]

    def has_add_permission(self, request, obj=None):
        return False


class DocumentInline(admin.TabularInline):
    model = Document
    extra = 0
    fields = ["kind", "link", "content_type", "size", "uploaded_by", "uploaded_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description=_("file"))
    def link(self, obj):
        return format_html('<a href="{}">{}</a>', reverse("document_file", args=[obj.pk]), obj.original_name)


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("Message to the installer"), widget=forms.Textarea(attrs={"rows": 4, "cols": 80}), required=False
    )


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin):
    """Registrations are decided by the rules; staff change them only through the actions."""

    list_display = ["serial", "product", "company", "status", "reason", "source", "campaign", "amount", "created_at"]
    list_filter = ["status", "reason", "campaign", "source", "country"]
    search_fields = ["=serial", "company__name", "=company__customer_number", "reference"]
    list_select_related = ["product", "company", "campaign"]
    date_hierarchy = "created_at"
    inlines = [DocumentInline, StatusChangeInline]
    actions = ["request_documents", "approve", "reject"]
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
        return "" if obj.amount_cents is None else f"€ {obj.amount_cents / 100:,.2f}"

    def _run(self, request, queryset, *, title, service, note_required):
        """Apply a service to each selected registration, after asking for a note if needed."""
        if "apply" in request.POST:
            form = NoteForm(request.POST)
            form.fields["note"].required = note_required
            if form.is_valid():
                note = form.cleaned_data["note"]
                done, failed = 0, []
                for registration in queryset.select_related("campaign"):
                    try:
                        service(registration, actor=request.user, note=note)
                        done += 1
                    except DomainError as error:
                        failed.append(f"{registration.serial}: {error.message}")
                if done:
                    self.message_user(request, ngettext(
                        "%(count)d registration changed.", "%(count)d registrations changed.", done
                    ) % {"count": done}, messages.SUCCESS)
                for line in failed:
                    self.message_user(request, line, messages.ERROR)
                return None
        else:
            form = NoteForm()
            form.fields["note"].required = note_required
        return TemplateResponse(request, "admin/registrations/transition.html", {
            **self.admin_site.each_context(request),
            "title": title,
            "form": form,
            "note_required": note_required,
            "registrations": queryset.select_related("product", "company"),
            "action": request.POST["action"],
            "checkbox_name": ACTION_CHECKBOX_NAME,
            "opts": self.model._meta,
        })

    @admin.action(description=_("Ask for documents (audit or ask again)"), permissions=["change"])
    def request_documents(self, request, queryset):
        return self._run(request, queryset, title=_("Ask for documents"), service=services.request_documents,
                         note_required=True)

    @admin.action(description=_("Approve"), permissions=["change"])
    def approve(self, request, queryset):
        return self._run(request, queryset, title=_("Approve"), service=services.approve, note_required=False)

    @admin.action(description=_("Reject"), permissions=["change"])
    def reject(self, request, queryset):
        return self._run(request, queryset, title=_("Reject"), service=services.reject, note_required=True)


@admin.register(StatusChange)
class StatusChangeAdmin(ReadOnlyAdmin):
    list_display = ["registration", "from_status", "to_status", "reason", "actor", "job", "created_at"]
    list_filter = ["to_status", "reason", "job"]
    search_fields = ["=registration__serial"]
    list_select_related = ["registration__product", "actor"]
    show_full_result_count = False


@admin.register(Upload)
class UploadAdmin(admin.ModelAdmin):
    """Every upload, who sent it and what became of it; the file itself is evidence."""

    list_display = ["original_name", "company", "uploaded_by", "on_behalf", "created_at", "state", "rows",
                    "summary"]
    list_filter = ["state", "on_behalf", "file_format"]
    search_fields = ["original_name", "company__name", "=company__customer_number", "=sha256"]
    list_select_related = ["company", "uploaded_by"]
    date_hierarchy = "created_at"
    fields = ["company", "uploaded_by", "on_behalf", "download", "original_name", "size", "file_format", "sha256",
              "language", "state", "error", "rows", "check_counts", "result_counts", "download_result", "created_at",
              "checked_at", "imported_at"]
    readonly_fields = fields

    def get_urls(self):
        return [
            path("<int:pk>/file/<str:which>/", self.admin_site.admin_view(self.file_view), name="upload_admin_file"),
            *super().get_urls(),
        ]

    def file_view(self, request, pk, which):
        """Files are not served from MEDIA_URL: staff download them here."""
        upload = get_object_or_404(Upload, pk=pk)
        if not self.has_view_permission(request, upload):
            raise PermissionDenied
        stored = upload.file if which == "original" else upload.result_file
        if not stored:
            raise Http404
        name = upload.original_name if which == "original" else f"{upload.original_name}-result.xlsx"
        return FileResponse(stored.open("rb"), as_attachment=True, filename=name)

    @admin.display(description=_("file"))
    def download(self, obj):
        return format_html('<a href="{}">{}</a>', reverse("admin:upload_admin_file", args=[obj.pk, "original"]),
                           obj.original_name)

    @admin.display(description=_("result workbook"))
    def download_result(self, obj):
        if not obj.result_file:
            return "–"
        return format_html('<a href="{}">{}</a>', reverse("admin:upload_admin_file", args=[obj.pk, "result"]),
                           _("download"))

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("outcome"))
    def summary(self, obj):
        counts = obj.result_counts or obj.check_counts
        return ", ".join(f"{RowResult(kind).label}: {n}" for kind, n in counts.items() if n)
