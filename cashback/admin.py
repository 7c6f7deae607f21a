"""Staff see here what the worker has not done: messages not yet sent, jobs that failed or stalled."""


from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import queue
from .models import Job
from .readonly_admin import ReadOnlyAdmin


class AttentionFilter(admin.SimpleListFilter):
    title = _("attention")
    parameter_name = "attention"

    def lookups(self, request, model_admin):
        return [("needed", _("Not sent, failed or stalled"))]

    def queryset(self, request, queryset):
        if self.value() != "needed":
            return queryset
        return queue.needing_attention(queryset, timezone.now())


@admin.register(Job)
class JobAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "task", "args", "state", "runs", "started_at", "finished_at", "short_error"]
    list_filter = [AttentionFilter, "state", "task"]
    search_fields = ["task", "last_error"]
    date_hierarchy = "created_at"
    actions = ["try_again"]

    @admin.display(description=_("last error"))
    def short_error(self, job):
        return job.last_error[:120]

    @admin.action(description=_("Try the selected failed jobs again"))
    def try_again(self, request, queryset):
        failed = list(queryset.filter(state=Job.State.FAILED))
        for job in failed:
            queue.try_again(job)
        self.message_user(request, ngettext("%(count)d job handed over again.", "%(count)d jobs handed over again.",
                                            len(failed)) % {"count": len(failed)}, messages.SUCCESS)

    def has_view_permission(self, request, obj=None):
        return request.user.is_staff
