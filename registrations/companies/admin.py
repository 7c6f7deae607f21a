from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import Company, Enrolment, Invitation, Membership, User


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


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ["name", "customer_number", "vat_number", "country", "city", "contact_email", "created_at"]
    list_filter = ["country", "enrolments__campaign"]
    search_fields = ["name", "customer_number", "vat_number", "contact_email"]
    # registrations.payouts adds the bank details and their change log to this page.
    inlines = [MembershipInline, EnrolmentInline, InvitationInline]
