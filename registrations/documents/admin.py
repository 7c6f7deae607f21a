from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from cashback.errors import DomainError

from ..core import admin as core_admin
from ..core.models import Registration
from . import services
from .models import Document


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


admin.site.unregister(Registration)


@admin.register(Registration)
class RegistrationAdmin(core_admin.RegistrationAdmin):
    """The registration with its documents; staff change it only through the actions, which
    call the same services as the review screen and ask for the message the installer reads."""

    inlines = [DocumentInline, *core_admin.RegistrationAdmin.inlines]
    actions = ["request_documents", "approve", "reject"]

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
        return TemplateResponse(request, "documents/admin_decision.html", {
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
