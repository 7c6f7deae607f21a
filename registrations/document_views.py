"""The installer's document upload page and the one view that serves document files."""

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin

from cashback.errors import DomainError

from . import services
from .access import company_required, is_reviewer
from .documents import accepted_text
from .forms import DocumentUploadForm
from .models import Document, Registration


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
    return render(request, "portal/upload_documents.html", {
        "registration": registration,
        "form": form,
        "can_upload": can_upload,
        "documents": registration.documents.all(),
        "accepted": accepted_text(),
    })


@xframe_options_sameorigin  # the review screen shows PDFs in a frame of this site
def document_file(request, pk):
    """A document for its company's people and for reviewers; everyone else gets a 404."""
    if not request.user.is_authenticated:
        raise Http404
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
    # Served as the type its content proved to be (documents.inspect), never sniffed.
    response["X-Content-Type-Options"] = "nosniff"
    return response
