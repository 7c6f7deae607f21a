"""Pages of the Excel template and the bulk upload."""

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cashback.errors import DomainError
from cashback.xlsx import XLSX_MIME

from ..companies.access import company_required
from ..companies.selectors import current_campaign
from ..core.choices import RowResult
from ..core.selectors import eligible_products
from . import selectors, services
from .forms import UploadForm
from .models import Upload
from .results import build_workbook
from .template import build_template


@company_required
def template_xlsx(request):
    campaign = current_campaign(request.company)
    if campaign is None:
        raise Http404
    handle = build_template(campaign, eligible_products(campaign), request.company)
    filename = _("cashback-template") + f"-{campaign.slug}.xlsx"
    return FileResponse(handle, as_attachment=True, filename=filename, content_type=XLSX_MIME)


def _uploads(request):
    return selectors.uploads_of(request.company)


@company_required
def uploads(request):
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = services.receive_and_check(
                company=request.company, uploaded_file=form.cleaned_data["file"], user=request.user,
                language=translation.get_language(),
            )
            return redirect("upload_detail", upload.pk)
    else:
        form = UploadForm()
    return render(request, "uploads/uploads.html", {
        "form": form,
        "uploads": _uploads(request)[:50],
        "current_campaign": current_campaign(request.company),
    })


@company_required
def upload_detail(request, pk):
    upload = services.expire_if_stale(get_object_or_404(_uploads(request), pk=pk))
    context = {"upload": upload, "State": Upload.State, "confirm_until": services.confirm_until(upload)}
    if upload.state == Upload.State.CHECKED:
        kind = request.GET.get("kind", "")
        kind = kind if kind in RowResult.values else ""
        language = translation.get_language()
        problems = [
            {**p, "kind_label": RowResult(p["kind"]).label, "message": _problem_message(p, language)}
            for p in upload.problems if not kind or p["kind"] == kind
        ]
        counts = upload.check_counts
        context.update(
            counts=_counts(counts),
            to_register=sum(counts.get(k, 0) for k in (RowResult.REGISTERED, RowResult.MORE_INFO,
                                                       RowResult.NOT_REGISTRABLE)),
            page=Paginator(problems, 100).get_page(request.GET.get("page")),
            kind=kind,
            kind_label=RowResult(kind).label if kind else "",
            shown_all=sum(upload.check_counts.values()) - upload.check_counts.get(RowResult.REGISTERED, 0)
            <= len(upload.problems),
            same_file=selectors.earlier_upload_of_same_file(upload),
        )
    elif upload.state == Upload.State.IMPORTED:
        context["counts"] = _counts(upload.result_counts)
    elif upload.busy:
        context["progress"] = selectors.progress_of(upload)
    return render(request, "uploads/upload_detail.html", context)


def _problem_message(problem, language):
    """In the reader's language (previews made before messages were kept per language have one)."""
    messages = problem.get("messages")
    return messages.get(language) or messages.get(settings.LANGUAGE_CODE, "") if messages else problem["message"]


def _counts(counts):
    return [(RowResult(kind), counts.get(kind, 0)) for kind in RowResult.values]


@company_required
def upload_status(request, pk):
    upload = get_object_or_404(_uploads(request), pk=pk)
    progress = selectors.progress_of(upload) if upload.busy else {}
    return JsonResponse({
        "state": upload.state,
        "done": progress.get("done", 0),
        "total": progress.get("total", upload.rows),
        "waiting": progress.get("waiting", False),
    })


@require_POST
@company_required
def upload_confirm(request, pk):
    upload = get_object_or_404(_uploads(request), pk=pk)
    in_worker = upload.rows > settings.UPLOAD_SYNC_MAX_ROWS
    try:
        services.start_import(upload, user=request.user, in_worker=in_worker)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("upload_detail", upload.pk)
    if not in_worker:
        services.register_upload(upload)
    return redirect("upload_detail", upload.pk)


@require_POST
@company_required
def upload_retry(request, pk):
    upload = get_object_or_404(_uploads(request), pk=pk)
    try:
        services.try_again(upload, user=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("upload_detail", upload.pk)


@require_POST
@company_required
def upload_cancel(request, pk):
    upload = get_object_or_404(_uploads(request), pk=pk)
    try:
        services.cancel_upload(upload)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("upload_detail", upload.pk)
    messages.info(request, _("Nothing was registered from %(name)s.") % {"name": upload.original_name})
    return redirect("uploads")


@company_required
def upload_file(request, pk):
    upload = get_object_or_404(_uploads(request), pk=pk)
    return FileResponse(upload.file.open("rb"), as_attachment=True, filename=upload.original_name)


@company_required
def upload_result(request, pk):
    upload = get_object_or_404(_uploads(request), pk=pk)
    if not upload.result_file:
        raise Http404
    name = upload.original_name.rsplit(".", 1)[0] + "-" + _("result") + ".xlsx"
    return FileResponse(upload.result_file.open("rb"), as_attachment=True, filename=name, content_type=XLSX_MIME)


@company_required
def upload_preview_workbook(request, pk):
    """The preview as a workbook, made on request (nothing is written)."""
    upload = get_object_or_404(_uploads(request), pk=pk, state=Upload.State.CHECKED)
    answers = services.decide_rows(upload)
    name = upload.original_name.rsplit(".", 1)[0] + "-" + _("check") + ".xlsx"
    return FileResponse(build_workbook(answers), as_attachment=True, filename=name, content_type=XLSX_MIME)
