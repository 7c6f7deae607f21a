"""Forms of the document upload page and of the reviewer's decision."""

from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _

from .models import Document


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (Django's documented recipe)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/*"}))
        super().__init__(*args, **kwargs)

    max_files = 10

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            if len(data) > self.max_files:
                raise forms.ValidationError(
                    _("Upload at most %(count)d files at once.") % {"count": self.max_files}
                )
            return [single(item, initial) for item in data]
        return [single(data, initial)]


class DocumentUploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("What is it?"), choices=Document.Kind.choices, initial=Document.Kind.INVOICE)
    files = MultipleFileField(label=_("Files"))


class ReviewForm(forms.Form):
    """A reviewer's decision; the note is what the installer reads (required to reject or ask)."""

    class Decision(models.TextChoices):
        APPROVE = "approve", _("Approve")
        REJECT = "reject", _("Reject")
        ASK = "ask", _("Ask for more information")

    decision = forms.ChoiceField(choices=Decision.choices)
    note = forms.CharField(label=_("Message to the installer"), required=False,
                           widget=forms.Textarea(attrs={"rows": 3}))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") in (self.Decision.REJECT, self.Decision.ASK) and not cleaned.get("note", "").strip():
            self.add_error("note", _("Write the reason; the installer will read it."))
        return cleaned
