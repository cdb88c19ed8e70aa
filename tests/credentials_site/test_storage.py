"""Media storage from the environment: the disk by default, an S3-compatible bucket shared by every node when asked."""

import socket

import boto3
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from moto.server import ThreadedMotoServer

from credentials_site.storage import FILE_BACKEND, S3_BACKEND, media_storage
from tests.pipeline.conftest import complete, course, drive, org, smtp  # noqa: F401  (fixtures)
from stand_ins.smtp import attachments

KEYS = {"MEDIA_S3_ACCESS_KEY_ID": "laurel-test", "MEDIA_S3_SECRET_ACCESS_KEY": "laurel-test-secret"}


def test_it_keeps_files_on_disk_without_a_bucket():
    assert media_storage({}) == {"BACKEND": FILE_BACKEND}


def test_it_configures_a_private_bucket_from_the_environment():
    storage = media_storage({"MEDIA_S3_BUCKET": "certs", "MEDIA_S3_PREFIX": "/laurel/", "MEDIA_S3_ENDPOINT_URL": "https://s3.example", **KEYS})
    assert storage["BACKEND"] == S3_BACKEND
    options = storage["OPTIONS"]
    assert options["bucket_name"] == "certs" and options["location"] == "laurel"
    assert options["endpoint_url"] == "https://s3.example"
    assert options["default_acl"] is None and options["querystring_auth"] is True


def test_it_refuses_half_a_key_pair():
    with pytest.raises(ImproperlyConfigured, match="MEDIA_S3_SECRET_ACCESS_KEY"):
        media_storage({"MEDIA_S3_BUCKET": "certs", "MEDIA_S3_ACCESS_KEY_ID": "only-this"})


def test_it_refuses_an_unknown_addressing_style():
    with pytest.raises(ImproperlyConfigured, match="MEDIA_S3_ADDRESSING_STYLE"):
        media_storage({"MEDIA_S3_BUCKET": "certs", "MEDIA_S3_ADDRESSING_STYLE": "sideways"})


@pytest.fixture
def s3_bucket(settings):
    """A real S3 API on 127.0.0.1 (moto's server), with an empty bucket, as the default storage."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                          aws_access_key_id=KEYS["MEDIA_S3_ACCESS_KEY_ID"], aws_secret_access_key=KEYS["MEDIA_S3_SECRET_ACCESS_KEY"])
    client.create_bucket(Bucket="laurel-media")
    settings.STORAGES = {**settings.STORAGES, "default": media_storage({
        "MEDIA_S3_BUCKET": "laurel-media", "MEDIA_S3_PREFIX": "node-shared", "MEDIA_S3_ENDPOINT_URL": endpoint,
        "MEDIA_S3_REGION": "us-east-1", "MEDIA_S3_ADDRESSING_STYLE": "path", **KEYS,
    })}
    yield client
    server.stop()


def test_it_issues_a_certificate_into_the_bucket_and_mails_and_serves_it_from_there(smtp, s3_bucket, course, client):  # noqa: F811
    issuance = drive(complete(course, email="zoe@learners.example", name="Zoë Ångström", score=91))
    credential = issuance.credential

    stored = s3_bucket.list_objects_v2(Bucket="laurel-media")["Contents"]
    assert [item["Key"] for item in stored] == [f"node-shared/{credential.pdf.name}"]
    pdf = s3_bucket.get_object(Bucket="laurel-media", Key=stored[0]["Key"])["Body"].read()
    assert pdf.startswith(b"%PDF")
    [message] = smtp.to("zoe@learners.example")
    assert list(attachments(message).values()) == [pdf]
    response = client.get(reverse("credential-pdf", args=[credential.pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content) == pdf
