from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from devices.models import CampaignProduct
from registrations.documents import services
from tests.files import image_bytes, pdf_bytes


@pytest.fixture
def needs_documents(register, campaign):
    """A registration waiting for documents (every product of the campaign needs them)."""
    CampaignProduct.objects.filter(campaign=campaign).update(requires_documents=True)
    return register()


@pytest.fixture
def documents_required(campaign):
    CampaignProduct.objects.filter(campaign=campaign).update(requires_documents=True)


@pytest.fixture
def in_review(register, installer, documents_required, time_machine):
    """in_review(serial) -> a registration whose installer uploaded an invoice and a photo."""

    def make(serial="1000000001", *, company=None, user=None, **kwargs):
        user = user or installer
        registration = register(serial, company=company or user.membership.company, user=user, **kwargs)
        services.add_documents(registration, user=user, files=[
            ("invoice", SimpleUploadedFile("factuur.pdf", pdf_bytes())),
            ("commissioning_protocol", SimpleUploadedFile("foto.png", image_bytes("PNG"))),
        ])
        time_machine.shift(timedelta(minutes=1))  # the queue's order is by arrival
        registration.refresh_from_db()
        return registration

    return make
