"""What the API reads and writes. Serializers parse and render; the rules live in the services."""

from rest_framework import serializers

from ..companies.choices import Country
from ..core.choices import Reason, RowResult, Source, Status
from ..core.models import Registration, StatusChange
from ..documents.models import Document

MAX_BULK = 1000


class ErrorSerializer(serializers.Serializer):
    """Every error answer: a stable code (the rules engine's reason codes among them) and a
    message in the language of Accept-Language (nl, fr, en)."""

    code = serializers.CharField(help_text="Stable machine-readable code, e.g. `duplicate`, `unknown_product`, "
                                           "`invalid_input`, `not_found`, `throttled`.")
    message = serializers.CharField(help_text="For people, in the requested language.")
    field = serializers.CharField(required=False, allow_null=True, help_text="The input field concerned, if any.")
    fields = serializers.DictField(child=serializers.ListField(child=serializers.CharField()), required=False,
                                   help_text="Messages per input field (validation errors).")
    registration_id = serializers.IntegerField(required=False, allow_null=True,
                                               help_text="For `duplicate`: the company's existing registration.")


class ProductSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="SMA type designation, the value of `product` when registering.")
    family = serializers.CharField()
    campaign = serializers.CharField(help_text="The campaign's slug.")
    amount_cents = serializers.IntegerField(help_text="Cashback in euro cents.")
    requires_documents = serializers.BooleanField(help_text="Registrations of this product always need documents.")


class StrictCharField(serializers.CharField):
    """Text only: a number where the schema says string is a mistake, not something to convert."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class DeviceSerializer(serializers.Serializer):
    """One device to register: the same fields as the web form."""

    serial = StrictCharField(max_length=64, help_text="From the type label; spaces and an `SN:` prefix are "
                                                            "ignored.")
    product = StrictCharField(max_length=64, help_text="Type designation, one of `GET /api/v1/products/`.")
    installed_on = serializers.DateField(help_text="Installation date, `YYYY-MM-DD`.")
    postcode = StrictCharField(max_length=16)
    country = serializers.ChoiceField(choices=Country.choices)
    reference = StrictCharField(max_length=100, required=False, allow_blank=True, default="",
                                      help_text="Your own reference, e.g. the order or customer.")


class BulkSerializer(serializers.Serializer):
    devices = DeviceSerializer(many=True, allow_empty=False, max_length=MAX_BULK)


class StatusChangeSerializer(serializers.ModelSerializer):
    from_status = serializers.ChoiceField(choices=[("", "—"), *Status.choices])
    to_status = serializers.ChoiceField(choices=Status.choices)
    reason = serializers.ChoiceField(choices=Reason.choices)
    by = serializers.SerializerMethodField()

    class Meta:
        model = StatusChange
        fields = ["from_status", "to_status", "reason", "note", "by", "created_at"]

    def get_by(self, change) -> str:
        return str(change.actor_label)


class DocumentSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=Document.Kind.choices)

    class Meta:
        model = Document
        fields = ["id", "kind", "original_name", "content_type", "size", "uploaded_at"]


class RegistrationSerializer(serializers.ModelSerializer):
    product = serializers.CharField(source="product.code")
    status = serializers.ChoiceField(choices=Status.choices)
    status_label = serializers.SerializerMethodField(help_text="The status in words, in the requested language.")
    reason = serializers.ChoiceField(choices=Reason.choices, help_text="Why it has this status (stable code).")
    message = serializers.CharField(help_text="The reason in plain words: what happened and what to do next.")
    source = serializers.ChoiceField(choices=Source.choices)
    country = serializers.ChoiceField(choices=Country.choices)
    changed_at = serializers.DateTimeField(source="status_changed_at", help_text="When the status last changed.")

    class Meta:
        model = Registration
        fields = ["id", "serial", "product", "installed_on", "postcode", "country", "reference", "source", "status",
                  "status_label", "reason", "message", "amount_cents", "documents_due_at", "paid_at", "created_at",
                  "changed_at"]

    def get_status_label(self, registration) -> str:
        return str(registration.get_status_display())


class RegistrationDetailSerializer(RegistrationSerializer):
    history = StatusChangeSerializer(many=True, read_only=True)
    documents = DocumentSerializer(many=True, read_only=True)

    class Meta(RegistrationSerializer.Meta):
        fields = [*RegistrationSerializer.Meta.fields, "history", "documents"]


class RowSerializer(serializers.Serializer):
    """One device of a bulk request: what became of it, as in the Excel upload's preview."""

    index = serializers.IntegerField(help_text="Position in the request's `devices` list, from 0.")
    serial = serializers.CharField()
    outcome = serializers.ChoiceField(choices=RowResult.choices)
    registration = RegistrationSerializer(allow_null=True)
    error = ErrorSerializer(allow_null=True)


class BulkResultSerializer(serializers.Serializer):
    counts = serializers.DictField(child=serializers.IntegerField(), help_text="Rows per outcome.")
    rows = RowSerializer(many=True)


class DocumentUploadSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Document.Kind.choices, default=Document.Kind.INVOICE)
    file = serializers.FileField(help_text="PDF, JPEG or PNG, decided by the content; at most 10 MB.")


class DocumentsResultSerializer(serializers.Serializer):
    registration = RegistrationSerializer()
    documents = DocumentSerializer(many=True)


class PayoutSerializer(serializers.Serializer):
    reference = serializers.CharField(source="batch__reference")
    state = serializers.CharField(source="batch__state", help_text="`exported` (on its way) or `paid`.")
    paid_on = serializers.DateField(source="batch__executed_on", allow_null=True)
    devices = serializers.IntegerField(source="count")
    amount_cents = serializers.IntegerField(source="total")

