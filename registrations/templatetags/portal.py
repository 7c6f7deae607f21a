from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext

from cashback.formatting import format_day, format_moment, format_money, format_number, format_short_day

from ..companies.models import person_label
from ..core.choices import Reason
from ..core.wording import documents_due_day

register = template.Library()


# The one formatter of each kind, as filters: money, a day (1 december 2026), a day in a dense
# table (1-12-2026), a moment (1 december 2026 14:05), a person (or the campaign team).
register.filter("money", format_money)
register.filter("day", format_day)
register.filter("short_day", format_short_day)
register.filter("moment", format_moment)
register.filter("person", person_label)


@register.filter
def figure_value(value):
    """A value of a desk figure as people read it: whole numbers grouped (money reads as euros)."""
    return format_number(value) if type(value) is int else value


@register.simple_tag(takes_context=True)
def sort_link(context, key, label):
    """A column header that sorts by `key`, and reverses when it already does."""
    request = context["request"]
    current = context.get("sort", "")
    query = request.GET.copy()
    query.pop("page", None)
    query["sort"] = f"-{key}" if current == key else key
    css = ""
    if current.lstrip("-") == key:
        css = "sorted desc" if current.startswith("-") else "sorted"
    return format_html('<a href="?{}" class="{}">{}</a>', query.urlencode(), css, label)


@register.simple_tag
def deadline(registration):
    """The last upload day and how many days are left."""
    day = documents_due_day(registration)
    if day is None:
        return ""
    left = (day - timezone.localdate()).days
    if left < 0:
        remaining = ""
    elif left == 0:
        remaining = gettext("today is the last day")
    else:
        remaining = ngettext("%(days)d day left", "%(days)d days left", left) % {"days": left}
    return format_html('<span class="deadline">{}</span>{}', format_day(day),
                       format_html(' <span class="small muted">({})</span>', remaining) if remaining else "")


@register.filter
def reason_label(code):
    """A reason code as its label, for staff pages that annotate codes from the history."""
    return Reason(code).label if code in Reason.values else ""
