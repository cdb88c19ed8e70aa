"""Where certificates and uploaded assets live: the local disk, or an S3-compatible bucket shared by every node."""

from collections.abc import Mapping

from django.core.exceptions import ImproperlyConfigured

S3_BACKEND = "storages.backends.s3.S3Storage"
FILE_BACKEND = "django.core.files.storage.FileSystemStorage"


def media_storage(environ: Mapping[str, str]) -> dict:
    """The STORAGES["default"] entry: S3 (django-storages) when MEDIA_S3_BUCKET is set, else MEDIA_ROOT on disk.

    Several web and worker machines must see the same PDFs: the worker that renders a certificate
    is rarely the web process that serves it. Objects stay private; links to them are signed.
    """
    bucket = environ.get("MEDIA_S3_BUCKET", "").strip()
    if not bucket:
        return {"BACKEND": FILE_BACKEND}
    options = {
        "bucket_name": bucket,
        "location": environ.get("MEDIA_S3_PREFIX", "").strip("/"),
        "default_acl": None,  # the bucket's own policy: private unless its owner says otherwise
        "querystring_auth": True,
        "file_overwrite": False,  # a re-rendered certificate gets a new name, as on disk
    }
    optional = {
        "MEDIA_S3_ENDPOINT_URL": "endpoint_url",  # MinIO, Ceph, R2, Scaleway, a local test server …
        "MEDIA_S3_REGION": "region_name",
        "MEDIA_S3_ACCESS_KEY_ID": "access_key",
        "MEDIA_S3_SECRET_ACCESS_KEY": "secret_key",
        "MEDIA_S3_ADDRESSING_STYLE": "addressing_style",
    }
    for variable, option in optional.items():
        if environ.get(variable):
            options[option] = environ[variable]
    if bool(options.get("access_key")) != bool(options.get("secret_key")):
        raise ImproperlyConfigured(
            "Set both MEDIA_S3_ACCESS_KEY_ID and MEDIA_S3_SECRET_ACCESS_KEY, or neither (to use the machine's role)."
        )
    if options.get("addressing_style") not in (None, "auto", "virtual", "path"):
        raise ImproperlyConfigured(
            f"MEDIA_S3_ADDRESSING_STYLE must be auto, virtual or path, not {options['addressing_style']!r}."
        )
    return {"BACKEND": S3_BACKEND, "OPTIONS": options}
