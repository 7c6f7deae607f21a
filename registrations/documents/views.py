"""Pages of the document check: the installer's upload page, the one view that serves
document files, and the campaign team's review queue and review screen."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_POST

from cashback.errors import DomainError
from cashback.formatting import format_day, format_money

from ..companies.access import company_required
from ..core.choices import Status
from ..core.models import Registration
from ..core.moves import Transition, allows
from ..core.wording import documents_due_day
from . import selectors, services
from .access import is_reviewer, reviewer_required
from .forms import DocumentUploadForm, ReviewForm
from .inspection import accepted_text
from .models import Document

# What a document's own page may do: show itself (the browser's viewers style themselves
# inline), inside this site's pages only.
DOCUMENT_POLICY = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'self'"

DECISIONS = {
    ReviewForm.Decision.APPROVE: Transition.APPROVE,
    ReviewForm.Decision.ASK: Transition.ASK_FOR_DOCUMENTS,
    ReviewForm.Decision.REJECT: Transition.REJECT,
}


@company_required
def upload_documents(request, pk):
    registration = get_object_or_404(
        Registration.objects.for_company(request.company).with_display_relations(), pk=pk
    )
    can_upload = registration.accepts_documents()
    form = DocumentUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and can_upload and form.is_valid():
        kind = form.cleaned_data["kind"]
        try:
            services.add_documents(
                registration, files=[(kind, f) for f in form.cleaned_data["files"]], user=request.user
            )
        except DomainError as error:
            form.add_error("files" if error.field == "files" else None, error.message)
            registration.refresh_from_db()
            can_upload = registration.accepts_documents()
        else:
            messages.success(request, _("Thank you: we received your documents and will review them."))
            return redirect("registration_detail", registration.pk)
    return render(request, "documents/upload_documents.html", {
        "registration": registration,
        "form": form,
        "can_upload": can_upload,
        "documents": registration.documents.all(),
        "accepted": accepted_text(),
    })


@xframe_options_sameorigin  # the review screen shows PDFs in a frame of this site
def document_file(request, pk):
    """A document for its company's people and for reviewers; any other signed-in person gets a
    404. Someone signed out is asked to sign in, as on every page (a link kept from before)."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    documents = Document.objects.select_related("registration")
    if not is_reviewer(request.user):
        documents = documents.for_company(request.company)
    document = get_object_or_404(documents, pk=pk)
    response = FileResponse(
        document.file.open("rb"),
        as_attachment="download" in request.GET,
        filename=document.download_name,
        content_type=document.content_type,
    )
    # Served as the type its content proved to be (inspection.inspect), never sniffed, and
    # shown in a sandbox: no script runs, nothing loads. Chromium's PDF viewer cannot work in a
    # sandboxed document (crbug.com/41131921), so a PDF shown inline gets the same policy
    # without `sandbox`; PDFs with scripts or other active content are refused at upload.
    response["X-Content-Type-Options"] = "nosniff"
    inline_pdf = document.content_type == "application/pdf" and "download" not in request.GET
    response["Content-Security-Policy"] = DOCUMENT_POLICY if inline_pdf else f"sandbox; {DOCUMENT_POLICY}"
    return response


@reviewer_required
def queue(request):
    q = request.GET.get("q", "").strip()
    return render(request, "documents/review_queue.html", {
        "page": Paginator(selectors.search(selectors.review_queue(), q), 50).get_page(request.GET.get("page")),
        "counts": selectors.queue_counts(),
        "q": q,
    })


@reviewer_required
def review(request, pk):
    registration = selectors.for_review(pk)
    if registration is None:
        raise Http404
    return render(request, "documents/review.html", _context(registration, ReviewForm(), request))


def _context(registration, form, request):
    q = (request.POST.get("q") or request.GET.get("q") or "").strip()
    queue = selectors.search(selectors.review_queue(), q)
    following = selectors.next_after(registration, q)
    return {
        "registration": registration,
        "form": form,
        "documents": registration.documents.all(),
        "history": registration.history.select_related("actor"),
        "other_claims": selectors.other_claims(registration),
        "next": following,
        "next_url": _review_url(following, q) if following else None,
        "left": queue.exclude(pk=registration.pk).count(),
        "q": q,
        "Status": Status,
        # The decisions the table of moves allows from here, as the buttons of the form.
        "decisions": {name: allows(transition, registration.status) for name, transition in DECISIONS.items()},
    }


@require_POST
@reviewer_required
def decide(request, pk):
    registration = get_object_or_404(Registration.objects.select_related("campaign"), pk=pk)
    q = request.POST.get("q", "").strip()
    following = selectors.next_after(registration, q)  # before the decision moves it out of the queue
    form = ReviewForm(request.POST)
    if form.is_valid():
        decision, note = form.cleaned_data["decision"], form.cleaned_data["note"]
        service = {
            ReviewForm.Decision.APPROVE: services.approve,
            ReviewForm.Decision.REJECT: services.reject,
            ReviewForm.Decision.ASK: services.request_documents,
        }[decision]
        try:
            changed = service(registration, actor=request.user, note=note)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _what_happened(decision, changed))
            if following is not None:
                return redirect(_review_url(following, q))
            return redirect(f"{reverse('review_queue')}?{urlencode({'q': q})}" if q else reverse("review_queue"))
    registration = selectors.for_review(pk)
    return render(request, "documents/review.html", _context(registration, form, request), status=400)


def _what_happened(decision, registration):
    """The decision as done, not as the button's verb: what changed and who hears of it."""
    values = {"serial": registration.serial, "amount": format_money(registration.amount_cents),
              "day": format_day(documents_due_day(registration))}
    if decision == ReviewForm.Decision.APPROVE:
        return _("%(serial)s approved: %(amount)s cashback will be paid with the next payout; the installer is "
                 "emailed.") % values
    if decision == ReviewForm.Decision.REJECT:
        return _("%(serial)s rejected: it is not registrable and the installer is emailed your message.") % values
    return _("More information asked for %(serial)s: the installer is emailed and has until %(day)s.") % values


def _review_url(registration, q):
    url = reverse("review_registration", args=[registration.pk])
    return f"{url}?{urlencode({'q': q})}" if q else url
