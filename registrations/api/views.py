"""The REST API for installer software (/api/v1/). Views parse, call the services, render."""

import logging
from datetime import timezone as dt_timezone

from django.db.models import Prefetch
from django.http import Http404
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from devices.models import CampaignProduct
from devices.serials import InvalidSerial, normalize_serial

from ..companies.selectors import open_campaigns
from ..core import registering
from ..core.choices import Reason, Source, Status
from ..core.errors import DuplicateRegistration
from ..core.models import Registration, StatusChange
from ..core.rows import DeviceRow, count_kinds, outcome_kind
from ..documents.services import add_documents
from ..payouts import selectors as payout_selectors
from . import serializers as s
from .access import IsCompanyUser, company_of
from .models import ApiToken

log = logging.getLogger("registrations.api")

ERRORS = {
    400: OpenApiResponse(s.ErrorSerializer, description="Invalid input (`invalid_input` with `fields`, or a rule's "
                                                        "code such as `unknown_product`, `invalid_serial`)."),
    401: OpenApiResponse(s.ErrorSerializer, description="No or an unknown/revoked token (`not_authenticated`, "
                                                        "`authentication_failed`)."),
    403: OpenApiResponse(s.ErrorSerializer, description="Not an installer company's user, or not enrolled "
                                                        "(`not_enrolled`)."),
    413: OpenApiResponse(s.ErrorSerializer, description="The request body is too large (`request_too_large`)."),
    429: OpenApiResponse(s.ErrorSerializer, description="Too many requests for this token (`throttled`); see the "
                                                        "Retry-After header."),
}
NOT_FOUND = {404: OpenApiResponse(s.ErrorSerializer, description="Not found, or another company's (`not_found`).")}


class ApiView(APIView):
    permission_classes = [IsCompanyUser]

    def finalize_response(self, request, response, *args, **kwargs):
        token = request.auth.name if isinstance(getattr(request, "auth", None), ApiToken) else "session"
        log.info("api %s %s %s token=%s", request.method, request.path, response.status_code, token)
        return super().finalize_response(request, response, *args, **kwargs)


class Products(ApiView):
    @extend_schema(summary="Eligible product types", responses={200: s.ProductSerializer(many=True), **ERRORS},
                   tags=["catalogue"])
    def get(self, request):
        """The product types of the open campaign(s) the company is enrolled in, with their cashback."""
        rows = (
            CampaignProduct.objects.filter(campaign__in=open_campaigns().filter(enrolments__company=company_of(request)))
            .select_related("product__family", "campaign").order_by("product__code")
        )
        return Response([
            {"code": cp.product.code, "family": cp.product.family.name, "campaign": cp.campaign.slug,
             "amount_cents": cp.amount_cents, "requires_documents": cp.requires_documents}
            for cp in rows
        ])


def _row(device):
    return DeviceRow(device["serial"], device["product"], device["installed_on"], device["postcode"],
                              device["country"], device.get("reference", ""))


def _registrations(request):
    return Registration.objects.for_company(company_of(request)).with_display_relations()


FILTERS = [
    OpenApiParameter("status", str, enum=Status.values),
    OpenApiParameter("reason", str, enum=Reason.values),
    OpenApiParameter("product", str, description="Type designation."),
    OpenApiParameter("source", str, enum=Source.values),
    OpenApiParameter("serial", str, description="Exact serial number."),
    OpenApiParameter("installed_from", OpenApiTypes.DATE),
    OpenApiParameter("installed_until", OpenApiTypes.DATE),
    OpenApiParameter("changed_since", OpenApiTypes.DATETIME,
                     description="Only registrations whose status changed at or after this moment (ISO 8601). To "
                                 "poll: pass the largest `changed_at` you have seen minus 10 minutes, and de-duplicate "
                                 "by `id` (a large import or payout commits a little after the time it stamps)."),
]


class _FilterError(Exception):
    def __init__(self, field, message):
        self.field, self.message = field, message


def _filtered(request, registrations):
    """The list's filters. A parameter that is present must be valid (an empty date or status
    is a mistake in the request, not "no filter")."""
    params = request.query_params
    for name, choices in (("status", Status.values), ("reason", Reason.values), ("source", Source.values)):
        if name in params:
            if params[name] not in choices:
                raise _FilterError(name, _("one of: %(choices)s") % {"choices": ", ".join(choices)})
            registrations = registrations.filter(**{name: params[name]})
    if params.get("product"):
        registrations = registrations.filter(product__code=params["product"])
    if params.get("serial"):
        try:
            serial = normalize_serial(params["serial"])  # as POST cleans it ("SN: 1000 000 001")
        except InvalidSerial as error:
            raise _FilterError("serial", error.message) from None
        registrations = registrations.filter(serial=serial)
    for name, lookup in (("installed_from", "installed_on__gte"), ("installed_until", "installed_on__lte")):
        if name in params:
            try:
                day = parse_date(params[name]) if len(params[name]) == 10 else None
            except ValueError:
                day = None
            if day is None:
                raise _FilterError(name, _("a date, YYYY-MM-DD"))
            registrations = registrations.filter(**{lookup: day})
    if "changed_since" in params:
        try:
            moment = parse_datetime(params["changed_since"])
        except ValueError:
            moment = None
        if moment is not None:
            try:
                # In UTC: the database takes offsets only up to ±15:59, Python's up to ±23:59.
                moment = (timezone.make_aware(moment) if timezone.is_naive(moment) else moment).astimezone(
                    dt_timezone.utc
                )
            except (OverflowError, ValueError):
                moment = None
        if moment is None:
            raise _FilterError("changed_since", _("a date and time, ISO 8601, e.g. 2026-06-15T10:00:00+02:00"))
        registrations = registrations.filter(status_changed_at__gte=moment)
    return registrations


class RegistrationList(ApiView, generics.GenericAPIView):
    serializer_class = s.RegistrationSerializer

    @extend_schema(summary="List registrations", parameters=FILTERS,
                   responses={200: s.RegistrationSerializer(many=True), **ERRORS}, tags=["registrations"])
    def get(self, request):
        """The company's registrations, newest status change last (stable order for polling),
        paged (`page`, `page_size` up to 100)."""
        try:
            registrations = _filtered(request, _registrations(request))
        except _FilterError as error:
            return Response({"code": "invalid_input", "message": f"{error.field}: {error.message}",
                             "field": error.field}, status=400)
        page = self.paginate_queryset(registrations.order_by("status_changed_at", "id"))
        return self.get_paginated_response(s.RegistrationSerializer(page, many=True).data)

    @extend_schema(summary="Register one device", request=s.DeviceSerializer,
                   responses={201: s.RegistrationSerializer,
                              409: OpenApiResponse(s.ErrorSerializer, description="Already registered by your "
                                                   "company (`duplicate`, with `registration_id`)."),
                              **ERRORS}, tags=["registrations"])
    def post(self, request):
        """The same rules as the web form; the answer has the status, reason code and message."""
        device = s.DeviceSerializer(data=request.data)
        device.is_valid(raise_exception=True)
        try:
            data = device.validated_data
            registration = registering.register_device(
                company=company_of(request), serial=data["serial"], product_code=data["product"],
                installed_on=data["installed_on"], postcode=data["postcode"], country=data["country"],
                reference=data.get("reference", ""), source=Source.API, user=request.user,
            )
        except DuplicateRegistration as duplicate:
            return Response({"code": "duplicate", "message": str(duplicate.message), "field": "serial",
                             "registration_id": duplicate.registration_id}, status=409)
        registration = _registrations(request).get(pk=registration.pk)
        return Response(s.RegistrationSerializer(registration).data, status=201)


class RegistrationBulk(ApiView):
    @extend_schema(summary="Register up to 1,000 devices", request=s.BulkSerializer,
                   responses={200: s.BulkResultSerializer, **ERRORS}, tags=["registrations"])
    def post(self, request):
        """Row by row, through the same path as the Excel upload, in one transaction. Rows with
        invalid values or duplicates are answered and do not stop the others."""
        bulk = s.BulkSerializer(data=request.data)
        bulk.is_valid(raise_exception=True)
        devices = bulk.validated_data["devices"]
        outcomes = registering.register_devices(company=company_of(request), rows=[_row(d) for d in devices],
                                             source=Source.API, user=request.user)
        ids = [o.registration_id for o in outcomes if o.error is None and o.registration_id]
        registrations = {r.pk: r for r in _registrations(request).filter(pk__in=ids)}
        kinds = [outcome_kind(outcome) for outcome in outcomes]
        rows = []
        for index, (device, outcome, kind) in enumerate(zip(devices, outcomes, kinds)):
            error = outcome.error
            rows.append({
                "index": index,
                "serial": device["serial"],
                "outcome": kind,
                "registration": s.RegistrationSerializer(registrations[outcome.registration_id]).data
                if error is None else None,
                "error": None if error is None else {
                    "code": error.code, "message": str(error.message), "field": error.field,
                    "registration_id": getattr(error, "registration_id", None),
                },
            })
        return Response({"counts": count_kinds(kinds), "rows": rows})


class RegistrationDetail(ApiView):
    @extend_schema(summary="One registration with its history and documents",
                   responses={200: s.RegistrationDetailSerializer, **NOT_FOUND, **ERRORS}, tags=["registrations"])
    def get(self, request, pk):
        registration = (
            _registrations(request)
            .prefetch_related(Prefetch("history", StatusChange.objects.select_related("actor")), "documents")
            .filter(pk=pk).first()
        )
        if registration is None:
            raise Http404
        return Response(s.RegistrationDetailSerializer(registration).data)


class RegistrationDocuments(ApiView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(summary="Upload a document", request={"multipart/form-data": s.DocumentUploadSerializer},
                   responses={201: s.DocumentsResultSerializer,
                              409: OpenApiResponse(s.ErrorSerializer, description="The registration takes no documents "
                                                   "in its status, or its deadline passed (`invalid_transition`)."),
                              **NOT_FOUND, **ERRORS}, tags=["documents"])
    def post(self, request, pk):
        """The same checks as the web page (content decides: PDF, JPEG or PNG; at most 10 MB).
        A registration waiting for documents moves to `in_review`."""
        registration = _registrations(request).filter(pk=pk).first()
        if registration is None:
            raise Http404
        upload = s.DocumentUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        documents = add_documents(
            registration, files=[(upload.validated_data["kind"], upload.validated_data["file"])], user=request.user
        )
        registration = _registrations(request).get(pk=pk)
        return Response({"registration": s.RegistrationSerializer(registration).data,
                         "documents": s.DocumentSerializer(documents, many=True).data}, status=201)


class Payouts(ApiView):
    @extend_schema(summary="Payouts to the company", responses={200: s.PayoutSerializer(many=True), **ERRORS},
                   tags=["payouts"])
    def get(self, request):
        return Response(s.PayoutSerializer(payout_selectors.paid_to_company(company_of(request)), many=True).data)

