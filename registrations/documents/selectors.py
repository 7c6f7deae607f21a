"""Reads of the review queue: what waits for a decision, oldest first, and why it was asked."""

from django.db.models import Count, OuterRef, Q, Subquery
from django.utils import timezone

from cashback.dates import start_of_day

from ..core.choices import Reason, Status
from ..core.models import Registration, StatusChange


def with_why(registrations):
    """Annotate why documents were asked: the reason and staff note of the latest change into
    "more information needed" (the registration's own reason is "documents received" by now)."""
    asked = StatusChange.objects.filter(registration=OuterRef("pk"), to_status=Status.MORE_INFO).exclude(
        reason=Reason.DEADLINE_EXTENDED).order_by("-created_at", "-id")
    return registrations.annotate(
        why_reason=Subquery(asked.values("reason")[:1]), why_note=Subquery(asked.values("note")[:1])
    )


def review_queue():
    """Registrations whose documents wait for a decision, oldest first."""
    return with_why(
        Registration.objects.filter(status=Status.IN_REVIEW)
        .select_related("company", "product", "known_device__product")
        .annotate(documents_count=Count("documents"))
        .order_by("status_changed_at", "id")
    )


def search(registrations, q):
    if q:
        registrations = registrations.filter(
            Q(serial__icontains=q) | Q(company__name__icontains=q) | Q(company__customer_number=q.upper())
        )
    return registrations


def next_after(registration, q):
    """The registration after this one in the (searched) queue, wrapping round to the start:
    skipping walks through the whole queue, and reviewers sharing it do not all land on the
    oldest one."""
    queue = search(review_queue(), q).exclude(pk=registration.pk)
    later = queue.filter(
        Q(status_changed_at__gt=registration.status_changed_at)
        | Q(status_changed_at=registration.status_changed_at, id__gt=registration.id)
    )
    return later.first() or queue.first()


def queue_counts():
    """Waiting for review, waiting for installers, and decided today."""
    counts = Registration.objects.aggregate(
        in_review=Count("id", filter=Q(status=Status.IN_REVIEW)),
        waiting=Count("id", filter=Q(status=Status.MORE_INFO)),
    )
    counts["decided_today"] = StatusChange.objects.filter(
        created_at__gte=start_of_day(timezone.localdate()),
        reason__in=[Reason.APPROVED, Reason.REJECTED, Reason.DOCUMENTS_REQUESTED],
    ).count()
    return counts


def for_review(pk):
    """One registration as the review screen shows it (404 in the view when missing)."""
    return with_why(Registration.objects.select_related(
        "company", "product", "campaign", "known_device__product", "created_by"
    )).filter(pk=pk).first()


def other_claims(registration):
    """The other registrations of the same serial, by any company."""
    return Registration.objects.filter(serial=registration.serial).exclude(pk=registration.pk).select_related(
        "company", "product"
    )
