"""The desk's reads: what waits for the campaign team, and the figures of a campaign for a
period and a country, each as key numbers, a chart and the table behind it.

A constant number of queries whatever the volume: the registration figures come from the
tally (registrations.core.tallies), the review figures from partial indexes on the few rows
they concern, the payouts from the batches.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count, Exists, OuterRef, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from cashback.formatting import format_money, format_number, format_short_day
from cashback.models import Job
from cashback.queue import needing_attention
from devices.models import Campaign
from portal_sync.models import SyncRun

from ..companies.choices import Country
from ..companies.models import Company
from ..core.choices import CLAIM_STATUSES, Reason, Source, Status
from ..core.models import Registration
from ..payouts.models import BankAccount, PayoutBatch, PayoutItem
from ..uploads.models import Upload
from ..core.tallies import CompanyTally, DayTally, MoveTally

WEEKLY_AFTER_DAYS = 62  # a longer period is shown week by week
TOP_COMPANIES = 10


class Money(int):
    """Cents that read as euros on a page and are euros in a workbook."""

    def __str__(self):
        return format_money(int(self))


@dataclass
class Selection:
    campaign: Campaign
    start: date
    end: date
    country: str = ""  # "" for the three countries

    @property
    def weekly(self):
        return (self.end - self.start).days > WEEKLY_AFTER_DAYS

    def bucket(self, day):
        return day - timedelta(days=day.weekday()) if self.weekly else day

    def buckets(self):
        step = timedelta(days=7 if self.weekly else 1)
        day, buckets = self.bucket(self.start), []
        while day <= self.end:
            buckets.append(day)
            day += step
        return buckets

    def bucket_label(self, day):
        return _("week of %(day)s") % {"day": format_short_day(day)} if self.weekly else format_short_day(day)

    def of(self, rows, through=""):
        """`rows` (a tally, registrations, or what reaches them `through` a relation) of the
        chosen campaign and country."""
        rows = rows.filter(**{f"{through}campaign": self.campaign})
        return rows.filter(**{f"{through}country": self.country}) if self.country else rows


def default_selection(campaign, today):
    """The campaign from its first installations until today (or its end)."""
    end = min(today, max(campaign.registration_deadline, campaign.installation_starts_on))
    return Selection(campaign, campaign.installation_starts_on, max(end, campaign.installation_starts_on))


def campaigns():
    return Campaign.objects.order_by("-installation_starts_on", "-id")


@dataclass
class Figure:
    name: str  # its file name and anchor
    title: str
    numbers: list = field(default_factory=list)  # (label, value)
    # For Chart.js: [{"title", "type", "labels", "datasets", "stacked", "money", "horizontal"}]
    charts: list = field(default_factory=list)
    headers: list = field(default_factory=list)
    rows: list = field(default_factory=list)
    note: str = ""
    links: list = field(default_factory=list)  # per row, the customer number its registrations are found by

    def table(self):
        """The rows with each value's header (a phone shows them as labelled lines), and the link."""
        links = self.links or [None] * len(self.rows)
        return [(list(zip(self.headers, row)), link) for row, link in zip(self.rows, links)]


# What waits for the team -----------------------------------------------------------------


def waiting(now, email_tasks):
    """The desk's links with what waits behind each; `email_tasks` are the names of the jobs
    that send emails (registrations.notifications.tasks, which a read does not import)."""
    in_review = DayTally.objects.filter(status=Status.IN_REVIEW).aggregate(n=Sum("registrations"))["n"] or 0
    oldest = Registration.objects.filter(status=Status.IN_REVIEW).order_by("status_changed_at").values_list(
        "status_changed_at", flat=True).first()
    jobs = Job.objects.exclude(state__in=[Job.State.DONE, Job.State.FAILED])
    return {
        "review": in_review, "review_oldest": oldest,
        "batches": PayoutBatch.objects.filter(
            state__in=[PayoutBatch.State.OPEN, PayoutBatch.State.APPROVED, PayoutBatch.State.EXPORTED]).count(),
        "uploads_busy": Upload.objects.filter(state__in=[Upload.State.CHECKING, Upload.State.IMPORTING]).count(),
        "uploads_failed": Upload.objects.filter(state=Upload.State.FAILED).count(),
        "last_sync": SyncRun.objects.order_by("-started_at").first(),
        "emails_waiting": jobs.filter(task__in=email_tasks).count(),
        "jobs_attention": needing_attention(Job.objects.all(), now).count(),
    }


# The figures -------------------------------------------------------------------------------


def figures(selection, now, names=None):
    """The desk's figures for the selection (`names`: only those), in the order the page shows
    them. The first three share one read of the day tally."""
    tally = []
    makers = {
        "registrations": lambda: _registrations(selection, tally),
        "cashback": lambda: _cashback(selection, tally),
        "reasons": lambda: _reasons(tally),
        "review": lambda: _review(selection, now),
        "payouts": lambda: _payouts(selection),
        "companies": lambda: _companies(selection),
    }
    names = [name for name in makers if names is None or name in names]
    if {"registrations", "cashback", "reasons"} & set(names):
        tally += _tally(selection)
    shown = [makers[name]() for name in names]
    for figure in shown:
        for number, chart in enumerate(figure.charts):
            chart["id"] = f"{figure.name}-chart-{number}"
    return shown


FIGURES = ("registrations", "cashback", "reasons", "review", "payouts", "companies")


def figure(selection, name, now):
    """One figure (its workbook), without the others' queries."""
    [shown] = figures(selection, now, names=[name])
    return shown


def _tally(selection):
    """The selection's registrations by day, source, status, reason and payment day: one query."""
    rows = selection.of(DayTally.objects.filter(day__range=(selection.start, selection.end)))
    return list(
        rows.values("day", "source", "status", "reason", "paid_on")
        .annotate(n=Sum("registrations"), amount=Sum("amount_cents"))
        .filter(n__gt=0)
        .order_by()
    )


def _registrations(selection, tally):
    buckets = selection.buckets()
    by_source = {(source, day): 0 for source in Source.values for day in buckets}
    by_status = {(status, day): 0 for status in Status.values for day in buckets}
    for row in tally:
        day = selection.bucket(row["day"])
        by_source[row["source"], day] += row["n"]
        by_status[row["status"], day] += row["n"]
    total = sum(row["n"] for row in tally)
    sources = {s: sum(by_source[s, d] for d in buckets) for s in Source.values}
    statuses = {s: sum(by_status[s, d] for d in buckets) for s in Status.values}
    labels = [selection.bucket_label(day) for day in buckets]
    return Figure(
        "registrations", _("Registrations"),
        numbers=[(_("Registrations"), total)] + [(Source(s).label, n) for s, n in sources.items() if n],
        charts=[
            {"title": _("By source"), "type": "bar", "stacked": True, "labels": labels,
             "datasets": [{"label": str(Source(s).label), "data": [by_source[s, d] for d in buckets]}
                          for s in Source.values]},
            {"title": _("By status now"), "type": "bar", "stacked": True, "labels": labels, "colours": "status",
             "datasets": [{"label": str(_status_label(s)), "key": s, "data": [by_status[s, d] for d in buckets]}
                          for s in Status.values]},
        ],
        headers=[_("Week") if selection.weekly else _("Day")] + [str(Source(s).label) for s in Source.values]
        + [str(_status_label(s)) for s in Status.values] + [_("Total")],
        rows=[[label] + [by_source[s, d] for s in Source.values] + [by_status[s, d] for s in Status.values]
              + [sum(by_source[s, d] for s in Source.values)] for label, d in zip(labels, buckets)],
        note=_("Registered in the period; each in the status it has now.") + " "
        + ", ".join(f"{_status_label(s)}: {format_number(n)}" for s, n in statuses.items()),
    )


def _status_label(status):
    # The overview's short names, not the installer's long status texts.
    return {
        Status.ACCEPTED: _("Accepted"), Status.MORE_INFO: _("Waiting for documents"),
        Status.IN_REVIEW: _("In review"), Status.PAID: _("Paid"), Status.NOT_REGISTRABLE: _("Not registrable"),
    }[status]


def _paid(selection):
    """Cashback paid in the period, by the day it was paid (whenever it was registered)."""
    rows = selection.of(DayTally.objects.filter(status=Status.PAID, paid_on__range=(selection.start, selection.end)))
    return rows.values("paid_on").annotate(amount=Sum("amount_cents")).order_by().values_list("paid_on", "amount")


def _cashback(selection, tally):
    buckets = selection.buckets()
    committed = dict.fromkeys(buckets, 0)
    paid = dict.fromkeys(buckets, 0)
    for row in tally:
        if row["status"] in CLAIM_STATUSES:
            committed[selection.bucket(row["day"])] += row["amount"]
    for day, amount in _paid(selection):
        paid[selection.bucket(day)] += amount
    running_committed, running_paid, committed_line, paid_line = 0, 0, [], []
    for day in buckets:
        running_committed += committed[day]
        running_paid += paid[day]
        committed_line.append(running_committed)
        paid_line.append(running_paid)
    holding = {s: sum(row["amount"] for row in tally if row["status"] == s) for s in CLAIM_STATUSES}
    labels = [selection.bucket_label(day) for day in buckets]
    datasets = [{"label": _("Committed"), "data": [c / 100 for c in committed_line]},
                {"label": _("Paid"), "data": [p / 100 for p in paid_line]}]
    campaign = selection.campaign
    limits = []
    if campaign.budget_cents is not None:
        # The budget is the whole campaign's, whatever the period or country chosen.
        used = CompanyTally.objects.filter(campaign=campaign, status__in=CLAIM_STATUSES).aggregate(
            cents=Sum("amount_cents"))["cents"] or 0
        share = f"{used / campaign.budget_cents:.0%}" if campaign.budget_cents else "–"
        limits = [(_("Budget"), Money(campaign.budget_cents)), (_("Budget used"), share),
                  (_("Budget left"), Money(max(campaign.budget_cents - used, 0)))]
        datasets.append({"label": _("Budget"), "data": [campaign.budget_cents / 100] * len(buckets), "dashed": True})
    if campaign.company_cap_devices is not None:
        limits.append((_("Limit per company"), ngettext("%(count)s device", "%(count)s devices",
                                                        campaign.company_cap_devices) % {
            "count": format_number(campaign.company_cap_devices)}))
    if campaign.company_cap_cents is not None:
        limits.append((_("Limit per company"), Money(campaign.company_cap_cents)))
    return Figure(
        "cashback", _("Cashback"),
        numbers=limits + [(_("Committed"), Money(running_committed)), (_("Paid"), Money(running_paid))]
        + [(_status_label(s), Money(holding[s])) for s in CLAIM_STATUSES if s != Status.PAID],
        charts=[{
            "title": _("Committed and paid, in all"), "type": "line", "money": True, "labels": labels,
            "datasets": datasets,
        }],
        headers=[_("Week") if selection.weekly else _("Day"), _("Committed"), _("Paid"),
                 _("Committed, in all"), _("Paid, in all")],
        rows=[[label, Money(committed[d]), Money(paid[d]), Money(c), Money(p)]
              for label, d, c, p in zip(labels, buckets, committed_line, paid_line)],
        note=_("Committed: the cashback of the registrations that hold it (accepted, waiting for documents, in "
               "review, paid), by the day they were registered. Paid: by the day it was paid."),
    )


def _reasons(tally):
    counts = {}
    for row in tally:
        if row["status"] == Status.NOT_REGISTRABLE:
            counts[row["reason"]] = counts.get(row["reason"], 0) + row["n"]
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    total = sum(counts.values())
    labels = [str(Reason(reason).label) if reason in Reason.values else reason for reason, _n in ranked]
    return Figure(
        "reasons", _("Why devices are not registrable"),
        numbers=[(_("Not registrable"), total)],
        charts=[{"title": _("Not registrable, by reason"), "type": "bar", "horizontal": True, "labels": labels,
                 "datasets": [{"label": _("Registrations"), "data": [n for _reason, n in ranked]}]}],
        headers=[_("Reason"), _("Registrations"), _("Share")],
        rows=[[label, n, f"{n / total:.0%}"] for label, (_reason, n) in zip(labels, ranked)],
        note=_("What installers stumble over, most often first."),
    )


def _review(selection, now):
    size, oldest, middle = _queue_ages(selection)
    oldest, middle = _since(now, oldest), _since(now, middle)
    moves = selection.of(MoveTally.objects.all())
    decided = (moves.filter(from_status=Status.IN_REVIEW, day__range=(selection.start, selection.end))
               .values("day", "to_status").annotate(n=Sum("moves")).order_by())
    buckets = selection.buckets()
    outcomes = {Status.ACCEPTED: _("Approved"), Status.NOT_REGISTRABLE: _("Rejected"),
                Status.MORE_INFO: _("Asked again")}
    per_day = {(to, day): 0 for to in outcomes for day in buckets}
    for row in decided:
        if row["to_status"] in outcomes:
            per_day[row["to_status"], selection.bucket(row["day"])] += row["n"]
    totals = {to: sum(per_day[to, d] for d in buckets) for to in outcomes}
    all_decided = sum(totals.values())
    due = selection.of(Registration.objects.filter(status=Status.MORE_INFO,
                                                   documents_due_at__range=(now, now + timedelta(days=7)))).count()
    today = timezone.localdate(now)
    expired = moves.filter(reason=Reason.DEADLINE_EXPIRED, day__range=(today - timedelta(days=6), today)).aggregate(
        n=Sum("moves"))["n"] or 0
    labels = [selection.bucket_label(day) for day in buckets]
    return Figure(
        "review", _("Review"),
        numbers=[
            (_("Waiting for review"), size),
            (_("Oldest waiting"), _hours(oldest) if oldest is not None else "–"),
            (_("Median wait"), _hours(middle) if middle is not None else "–"),
            (_("Decided in the period"), all_decided),
        ] + [(label, f"{totals[to] / all_decided:.0%}" if all_decided else "–") for to, label in outcomes.items()]
        + [(_("Documents due in the coming 7 days"), due), (_("Deadlines expired in the past 7 days"), expired)],
        charts=[{"title": _("Decisions"), "type": "bar", "stacked": True, "labels": labels, "colours": "status",
                 "datasets": [{"label": str(label), "key": to, "data": [per_day[to, d] for d in buckets]}
                              for to, label in outcomes.items()]}],
        headers=[_("Week") if selection.weekly else _("Day")] + [str(label) for label in outcomes.values()],
        rows=[[label] + [per_day[to, d] for to in outcomes] for label, d in zip(labels, buckets)],
        note=_("Decisions on documents per day; the queue as it is now."),
    )


def _queue_ages(selection):
    """How many wait for review, since when the oldest, since when the middle one: the count
    from the tally, the two moments from the queue's index (one row each, at any length)."""
    counted = selection.of(DayTally.objects.filter(status=Status.IN_REVIEW))
    waiting = selection.of(Registration.objects.filter(status=Status.IN_REVIEW))
    size = counted.aggregate(n=Sum("registrations"))["n"] or 0
    moments = waiting.order_by("status_changed_at").values_list("status_changed_at", flat=True)
    oldest = moments.first() if size else None
    # The tally and the queue are two reads: a decision in between must not break the page.
    middle = next(iter(moments[size // 2: size // 2 + 1]), oldest) if size else None
    return size, oldest, middle


def _since(now, moment):
    return (now - moment).total_seconds() / 3600 if moment else None


def _hours(hours):
    if hours < 48:
        return ngettext("%(hours)s hour", "%(hours)s hours", round(hours)) % {"hours": format_number(round(hours))}
    days = round(hours / 24)
    return ngettext("%(days)s day", "%(days)s days", days) % {"days": format_number(days)}


def _payouts(selection):
    """Batches holding registrations of the selection, by state, with those registrations'
    amounts only (a batch may hold several campaigns and countries). The paid ones are most
    of them: their sums come from the tally; the batches in progress are few, summed from
    their items."""
    items = selection.of(PayoutItem.objects.filter(active=True), through="registration__")
    batches = PayoutBatch.objects.filter(Exists(items.filter(batch=OuterRef("pk")))).exclude(
        state=PayoutBatch.State.CANCELLED)
    by_state = {row["state"]: {**row, "amount": 0, "registrations": 0}
                for row in batches.values("state").annotate(n=Count("id")).order_by()}
    in_progress = items.exclude(batch__state__in=[PayoutBatch.State.PAID, PayoutBatch.State.CANCELLED])
    for row in in_progress.values("batch__state").annotate(registrations=Count("id"), amount=Sum("amount_cents")).order_by():
        by_state[row["batch__state"]].update(registrations=row["registrations"], amount=row["amount"])
    if PayoutBatch.State.PAID in by_state:
        paid = selection.of(DayTally.objects.filter(status=Status.PAID))
        by_state[PayoutBatch.State.PAID].update(
            paid.aggregate(registrations=Coalesce(Sum("registrations"), 0), amount=Coalesce(Sum("amount_cents"), 0)))
    companies = _waiting_for_bank(selection)
    states = [state for state in PayoutBatch.State if state in by_state]
    return Figure(
        "payouts", _("Payouts"),
        numbers=[(_("Companies waiting for bank details"), companies)]
        + [(state.label, Money(by_state[state]["amount"] or 0)) for state in states],
        charts=[{"title": _("Amount by state of the batch"), "type": "bar", "money": True,
                 "labels": [str(state.label) for state in states],
                 "datasets": [{"label": _("Amount"), "data": [(by_state[s]["amount"] or 0) / 100 for s in states]}]}],
        headers=[_("State"), _("Batches"), _("Registrations"), _("Amount")],
        rows=[[str(s.label), by_state[s]["n"], by_state[s]["registrations"] or 0, Money(by_state[s]["amount"] or 0)]
              for s in states],
        note=_("Batches with registrations of this campaign (and country), whatever their period, with those "
               "registrations' amounts. Companies waiting for bank details have accepted registrations and no bank "
               "account."),
    )


def _waiting_for_bank(selection):
    accepted = selection.of(CompanyTally.objects.filter(company=OuterRef("pk"), status=Status.ACCEPTED,
                                                        registrations__gt=0))
    return (Company.objects.filter(Exists(accepted))
            .exclude(Exists(BankAccount.objects.filter(company=OuterRef("pk")))).count())


def _companies(selection):
    rows = selection.of(CompanyTally.objects.filter(status__in=CLAIM_STATUSES))
    per_company = rows.values("company").annotate(n=Sum("registrations"), amount=Sum("amount_cents")).filter(n__gt=0)
    top = list(per_company.order_by("-n", "company")[:TOP_COMPANIES])
    richest = list(per_company.order_by("-amount", "company")[:TOP_COMPANIES])
    companies = {pk: (name, number) for pk, name, number in Company.objects.filter(
        pk__in={r["company"] for r in top + richest}).values_list("pk", "name", "customer_number")}
    names = {pk: name for pk, (name, _number) in companies.items()}
    return Figure(
        "companies", _("Companies with the most devices"),
        numbers=[(names[r["company"]], r["n"]) for r in top[:3]],
        charts=[{"title": _("Devices"), "type": "bar", "horizontal": True, "labels": [names[r["company"]] for r in top],
                 "datasets": [{"label": _("Devices"), "data": [r["n"] for r in top]}]},
                {"title": _("Cashback"), "type": "bar", "horizontal": True, "money": True,
                 "labels": [names[r["company"]] for r in richest],
                 "datasets": [{"label": _("Cashback"), "data": [r["amount"] / 100 for r in richest]}]}],
        headers=[_("Company"), _("Devices"), _("Cashback"), _("Customer number")],
        rows=[[names[r["company"]], r["n"], Money(r["amount"]), companies[r["company"]][1]] for r in top],
        links=[companies[r["company"]][1] for r in top],
        note=_("Devices and cashback held (accepted, waiting for documents, in review, paid) since the campaign "
               "began, whatever the period chosen. By cashback: %(list)s") % {"list": ", ".join(
                   f"{names[r['company']]} {Money(r['amount'])}" for r in richest[:5])},
    )


def country_choices():
    return [("", gettext_lazy("All countries")), *Country.choices]


def campaign_events(campaign):
    return campaign.events.select_related("actor")[:50]


def notices(campaign):
    return campaign.notices.select_related("sent_by")[:20]


def waiting_for_documents(campaign):
    return Registration.objects.filter(campaign=campaign, status=Status.MORE_INFO).count()
