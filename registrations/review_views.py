"""The campaign team's review queue and review screen (staff with the review permission)."""

from datetime import datetime, time
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, OuterRef, Q, Subquery
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cashback.errors import DomainError

from . import services
from .access import reviewer_required
from .choices import Reason, Status
from .forms import ReviewForm
from .models import Registration, StatusChange


def _with_why(registrations):
    """Annotate why documents were asked: the reason and staff note of the latest change into
    "more information needed" (the registration's own reason is "documents received" by now)."""
    asked = StatusChange.objects.filter(registration=OuterRef("pk"), to_status=Status.MORE_INFO).order_by(
        "-created_at", "-id"
    )
    return registrations.annotate(
        why_reason=Subquery(asked.values("reason")[:1]), why_note=Subquery(asked.values("note")[:1])
    )


def _queue():
    """Registrations whose documents wait for a decision, oldest first."""
    return _with_why(
        Registration.objects.filter(status=Status.IN_REVIEW)
        .select_related("company", "product", "known_device__product")
        .annotate(documents_count=Count("documents"))
        .order_by("status_changed_at", "id")
    )


def _search(registrations, q):
    if q:
        registrations = registrations.filter(
            Q(serial__icontains=q) | Q(company__name__icontains=q) | Q(company__customer_number=q.upper())
        )
    return registrations


def _next_after(registration, q):
    """The registration after this one in the (searched) queue, wrapping round to the start:
    skipping walks through the whole queue, and reviewers sharing it do not all land on the
    oldest one."""
    queue = _search(_queue(), q).exclude(pk=registration.pk)
    later = queue.filter(
        Q(status_changed_at__gt=registration.status_changed_at)
        | Q(status_changed_at=registration.status_changed_at, id__gt=registration.id)
    )
    return later.first() or queue.first()


def _review_url(registration, q):
    url = reverse("review_registration", args=[registration.pk])
    return f"{url}?{urlencode({'q': q})}" if q else url


@reviewer_required
def queue(request):
    q = request.GET.get("q", "").strip()
    registrations = _search(_queue(), q)
    today = timezone.localdate()
    counts = Registration.objects.aggregate(
        in_review=Count("id", filter=Q(status=Status.IN_REVIEW)),
        waiting=Count("id", filter=Q(status=Status.MORE_INFO)),
    )
    counts["decided_today"] = StatusChange.objects.filter(
        created_at__gte=timezone.make_aware(datetime.combine(today, time.min)),
        reason__in=[Reason.APPROVED, Reason.REJECTED, Reason.DOCUMENTS_REQUESTED],
    ).count()
    return render(request, "review/queue.html", {
        "page": Paginator(registrations, 50).get_page(request.GET.get("page")),
        "counts": counts,
        "q": q,
    })


@reviewer_required
def review(request, pk):
    registration = get_object_or_404(
        _with_why(Registration.objects.select_related(
            "company", "product", "campaign", "known_device__product", "created_by"
        )),
        pk=pk,
    )
    return render(request, "review/registration.html", _context(registration, ReviewForm(), request))


def _context(registration, form, request):
    q = (request.POST.get("q") or request.GET.get("q") or "").strip()
    queue = _search(_queue(), q)
    following = _next_after(registration, q)
    return {
        "registration": registration,
        "form": form,
        "documents": registration.documents.all(),
        "history": registration.history.select_related("actor"),
        "other_claims": Registration.objects.filter(serial=registration.serial).exclude(pk=registration.pk)
        .select_related("company", "product"),
        "next": following,
        "next_url": _review_url(following, q) if following else None,
        "left": queue.exclude(pk=registration.pk).count(),
        "q": q,
        "Status": Status,
    }


@require_POST
@reviewer_required
def decide(request, pk):
    registration = get_object_or_404(Registration.objects.select_related("campaign"), pk=pk)
    q = request.POST.get("q", "").strip()
    following = _next_after(registration, q)  # before the decision moves it out of the queue
    form = ReviewForm(request.POST)
    if form.is_valid():
        decision, note = form.cleaned_data["decision"], form.cleaned_data["note"]
        service = {
            ReviewForm.Decision.APPROVE: services.approve,
            ReviewForm.Decision.REJECT: services.reject,
            ReviewForm.Decision.ASK: services.request_documents,
        }[decision]
        try:
            service(registration, actor=request.user, note=note)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("%(serial)s: %(decision)s.") % {
                "serial": registration.serial, "decision": ReviewForm.Decision(decision).label,
            })
            if following is not None:
                return redirect(_review_url(following, q))
            return redirect(f"{reverse('review_queue')}?{urlencode({'q': q})}" if q else reverse("review_queue"))
    registration = _with_why(Registration.objects.select_related(
        "company", "product", "campaign", "known_device__product", "created_by"
    )).get(pk=pk)
    return render(request, "review/registration.html", _context(registration, form, request), status=400)
