from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from ..core.choices import RowResult
from .models import Upload


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
