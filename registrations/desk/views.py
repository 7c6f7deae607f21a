"""The campaign team's desk (/staff/): what waits for them, and the campaign's figures."""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from cashback.access import staff_required
from cashback.errors import DomainError
from cashback.formatting import format_day, format_number
from cashback.xlsx import XLSX_MIME
from devices.models import Campaign

from ..notifications.tasks import EMAIL_TASKS
from . import selectors, services
from .access import RUN_CAMPAIGN, desk_required
from .forms import CopyCampaignForm, EndCampaignForm, ExtendDeadlinesForm, NoticeForm, SelectionForm, selection_values
from .workbooks import figure_workbook


@desk_required
def desk(request):
    now = timezone.now()
    form = SelectionForm(request.GET or None)
    selection = form.selection()
    if selection is not None and not form.is_bound:
        form = SelectionForm(initial=selection_values(selection))  # the page says what it shows
    return render(request, "desk/desk.html", {
        "form": form,
        "selection": selection,
        "query": form.query(selection) if selection else "",
        "waiting": selectors.waiting(now, EMAIL_TASKS),
        "figures": selectors.figures(selection, now) if selection else [],
    })


@desk_required
def figure_download(request, name):
    if name not in selectors.FIGURES:
        raise Http404
    selection = SelectionForm(request.GET or None).selection()
    if selection is None:
        raise Http404
    figure = selectors.figure(selection, name, timezone.now())
    response = HttpResponse(figure_workbook(figure, selection), content_type=XLSX_MIME)
    filename = f"{slugify(figure.title)}-{selection.campaign.slug}-{selection.start}-{selection.end}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# The campaign's life (the permission to run the campaign) -------------------------------------



@staff_required(RUN_CAMPAIGN)
def campaign(request, pk):
    campaign = get_object_or_404(Campaign, pk=pk)
    return _campaign_page(request, campaign)


def _campaign_page(request, campaign, bound=None, status=200):
    forms_shown = {name: form() for name, (form, _act) in ACTIONS.items()}
    if bound:
        forms_shown.update(bound)
    return render(request, "desk/campaign.html", {
        "campaign": campaign, "forms": forms_shown, "open": next(iter(bound), "") if bound else "",
        "events": selectors.campaign_events(campaign), "notices": selectors.notices(campaign),
        "waiting_for_documents": selectors.waiting_for_documents(campaign),
    }, status=status)


@require_POST
@staff_required(RUN_CAMPAIGN)
def campaign_action(request, pk, action):
    campaign = get_object_or_404(Campaign, pk=pk)
    if action not in ACTIONS:
        raise Http404
    form_class, act = ACTIONS[action]
    form = form_class(request.POST)
    if not form.is_valid():
        return _campaign_page(request, campaign, {action: form}, status=400)
    try:
        done = act(campaign, form.cleaned_data, request.user)
    except DomainError as error:
        form.add_error(error.field if error.field in form.fields else None, str(error.message))
        return _campaign_page(request, campaign, {action: form}, status=400)
    messages.success(request, done)
    return redirect("desk_campaign", campaign.pk)


def _end(campaign, data, user):
    ended = services.end_campaign(campaign, registration_deadline=data["registration_deadline"], actor=user,
                                  note=data["note"])
    return _("%(campaign)s now ends on %(deadline)s; the enrolled companies are being emailed.") % {
        "campaign": ended.name, "deadline": format_day(ended.registration_deadline)}


def _extend(campaign, data, user):
    count = services.extend_deadlines(campaign, until=data["until"], actor=user, note=data["note"],
                                      customer_number=data["customer_number"], serial=data["serial"])
    return ngettext("The deadline of %(count)s registration was extended to %(day)s.",
                    "The deadlines of %(count)s registrations were extended to %(day)s.", count) % {
        "count": format_number(count), "day": format_day(data["until"])}


def _notice(campaign, data, user):
    notice = services.send_notice(campaign, texts=data, actor=user)
    return ngettext("The notice is being sent to %(count)s company.", "The notice is being sent to %(count)s companies.",
                    notice.companies) % {"count": format_number(notice.companies)}


def _copy(campaign, data, user):
    copy = services.copy_campaign(campaign, actor=user, **data)
    return _("%(campaign)s was made, not yet active: check it in the administration, then switch it on.") % {
        "campaign": copy.name}


# Each act of the campaign page: its form and what it does (a message for the page).
ACTIONS = {
    "end": (EndCampaignForm, _end), "extend": (ExtendDeadlinesForm, _extend), "notice": (NoticeForm, _notice),
    "copy": (CopyCampaignForm, _copy),
}
