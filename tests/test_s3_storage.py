"""Files in an S3-compatible bucket: moto's server on localhost stands in for S3 (or MinIO, Ceph,
Scaleway...). The portal talks to it through django-storages with the same options as in
production (cashback/settings.py), so this is the path a deployment with S3_BUCKET takes."""

import boto3
import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from moto.server import ThreadedMotoServer
from storages.backends.s3 import S3Storage

from cashback.settings import s3_storage
from devices.models import CampaignProduct
from registrations.core.choices import Status
from registrations.documents.models import Document
from registrations.uploads.models import Upload
from tests.files import image_bytes, pdf_bytes
from tests.uploads.test_excel_upload import GOOD, upload, workbook_bytes

BUCKET = "cashback-test"
KEYS = {"aws_access_key_id": "test-key", "aws_secret_access_key": "test-secret", "region_name": "eu-west-1"}


@pytest.fixture(scope="module")
def s3_server():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def bucket(s3_server, settings):
    s3 = boto3.client("s3", endpoint_url=s3_server, **KEYS)
    s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    settings.STORAGES = {**settings.STORAGES, "default": s3_storage(
        BUCKET, endpoint_url=s3_server, region="eu-west-1", access_key="test-key", secret_key="test-secret",
        prefix="portal",
    )}
    yield s3
    for item in s3.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        s3.delete_object(Bucket=BUCKET, Key=item["Key"])
    s3.delete_bucket(Bucket=BUCKET)


@pytest.fixture
def needs_documents(register, campaign):
    CampaignProduct.objects.filter(campaign=campaign).update(requires_documents=True)
    return register()


def keys(s3):
    return [item["Key"] for item in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])]


def test_the_settings_switch_to_the_bucket(bucket):
    default_storage.save("probe.txt", SimpleUploadedFile("probe.txt", b"hello"))
    assert isinstance(default_storage._wrapped, S3Storage)
    assert keys(bucket) == ["portal/probe.txt"]


def test_documents_go_to_the_private_bucket_under_random_names(installer_client, needs_documents, bucket,
                                                               other_company, client):
    content = pdf_bytes()
    response = installer_client.post(f"/registrations/{needs_documents.pk}/documents/", {
        "kind": "invoice", "files": [SimpleUploadedFile("factuur-jansen.pdf", content)],
    })
    assert response.status_code == 302
    needs_documents.refresh_from_db()
    assert needs_documents.status == Status.IN_REVIEW

    [key] = keys(bucket)
    assert key.startswith(f"portal/documents/{needs_documents.company_id}/") and key.endswith(".pdf")
    assert "jansen" not in key
    assert bucket.get_object(Bucket=BUCKET, Key=key)["Body"].read() == content
    grants = bucket.get_object_acl(Bucket=BUCKET, Key=key)["Grants"]
    assert [grant["Permission"] for grant in grants] == ["FULL_CONTROL"]  # the owner only: not public
    assert not any("AllUsers" in str(grant["Grantee"]) for grant in grants)

    # Served through the checked view, from the bucket, to the company only.
    document = Document.objects.get()
    served = installer_client.get(f"/documents/{document.pk}/")
    assert b"".join(served.streaming_content) == content
    client.force_login(other_company.memberships.get().user)
    assert client.get(f"/documents/{document.pk}/").status_code == 404


def test_files_stored_before_a_failure_are_removed_from_the_bucket(installer_client, needs_documents, bucket,
                                                                    monkeypatch):
    def fail(*args, **kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr(Document, "save", fail)
    with pytest.raises(RuntimeError):
        installer_client.post(f"/registrations/{needs_documents.pk}/documents/", {
            "kind": "invoice", "files": [SimpleUploadedFile("a.pdf", pdf_bytes()), SimpleUploadedFile("b.png", image_bytes("PNG"))],
        })
    assert keys(bucket) == []


def test_an_excel_upload_is_stored_read_and_answered_from_the_bucket(installer_client, bucket):
    uploaded = upload(installer_client, workbook_bytes(GOOD)).context["upload"]
    assert uploaded.state == Upload.State.CHECKED
    installer_client.post(f"/registrations/uploads/{uploaded.pk}/confirm/")
    uploaded.refresh_from_db()
    assert uploaded.result_counts["registered"] == 2
    stored = keys(bucket)
    assert uploaded.file.name in [key.removeprefix("portal/") for key in stored]
    assert uploaded.result_file.name in [key.removeprefix("portal/") for key in stored]
    result = installer_client.get(f"/registrations/uploads/{uploaded.pk}/result.xlsx")
    assert b"".join(result.streaming_content).startswith(b"PK")
