"""How long an admin upload is kept: staff delete one (its stored file and rows go; the credentials it imported stay,
noted), and LAUREL_IMPORT_UPLOAD_RETENTION_DAYS has the daily privacy job remove stored files past that age. Both
leave an audit record in the upload's organisation."""

import os
from datetime import datetime, timedelta

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

from audit.services import audit_record

from ..models import CredentialImportUpload, ImportedCredential
from ..periodic import periodic_budget

RETENTION_SETTING = "LAUREL_IMPORT_UPLOAD_RETENTION_DAYS"
RETENTION_ACTOR = "import upload retention"
BATCH = 50  # uploads are few and each is audited: a small batch commits often


def import_upload_retention_days() -> int | None:
    """Days a stored upload file is kept (None, the default: until staff delete it). Read when used, so a run sees
    the operator's current value; the system check laurel.E050 refuses a bad one at start-up."""
    raw = os.environ.get(RETENTION_SETTING, "").strip()
    if not raw:
        return None
    try:
        days = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{RETENTION_SETTING} must be a whole number of days, not {raw!r}.") from None
    if days < 1:
        raise ImproperlyConfigured(f"{RETENTION_SETTING} must be 1 or more days, not {days} (leave it unset to keep "
                                   f"uploads until staff delete them).")
    return days


def _uploaded(upload: CredentialImportUpload) -> str:
    by = upload.uploaded_by.get_username() if upload.uploaded_by_id else "?"
    return f"credential import upload {upload.pk} ({upload.file_name}, {upload.get_source_display()}, uploaded " \
           f"{upload.uploaded_at:%Y-%m-%d} by {by})"


def import_upload_delete(*, upload: CredentialImportUpload, actor_user) -> int:
    """Delete the upload with its stored file and rows; each credential it imported stays, its record of the
    original noting the deletion. Returns how many credentials stay."""
    who = actor_user.get_username()
    with transaction.atomic():
        note = f"Its upload {upload.file_name} was deleted on {timezone.now():%Y-%m-%d} by {who}; this record stays."
        kept = ImportedCredential.objects.filter(upload=upload).update(upload_note=note[:300])
        audit_record(organization=upload.organization_id, from_state="uploaded", to_state="upload deleted",
                     actor_kind="staff", actor_user=actor_user, actor_label=who,
                     detail=f"Deleted {_uploaded(upload)} with its stored file and rows; the {kept} credential(s) it "
                            f"imported stay, their records noting it.")
        upload.delete()
    return kept


def _past_retention(days: int, now: datetime):
    return CredentialImportUpload.objects.filter(file_removed_at__isnull=True, uploaded_at__lt=now - timedelta(days=days))


def import_uploads_expire(*, now: datetime | None = None, stop=None) -> int:
    """Remove the stored file (and an OB 2.0 list's fetched answers) of every upload older than the retention, in
    batches that commit as they go; the upload's record (mapping, summary) stays. Returns how many."""
    days = import_upload_retention_days()
    if days is None:
        return 0
    now, stop = now or timezone.now(), stop or periodic_budget().spent
    removed = 0
    while True:
        batch = list(_past_retention(days, now).select_related("uploaded_by").order_by("uploaded_at", "pk")[:BATCH])
        for upload in batch:
            with transaction.atomic():
                if not CredentialImportUpload.objects.filter(pk=upload.pk, file_removed_at__isnull=True).update(
                        body=b"", fetched={}, file_removed_at=now):
                    continue  # another run removed it first
                audit_record(organization=upload.organization_id, from_state="uploaded", to_state="upload file removed",
                             actor_kind="system", actor_label=RETENTION_ACTOR,
                             detail=f"Removed the stored file of {_uploaded(upload)}: older than {RETENTION_SETTING} "
                                    f"({days} days). The upload's record and the credentials it imported stay.")
                removed += 1
        if len(batch) < BATCH or stop():
            return removed


def import_uploads_left(*, now: datetime | None = None) -> bool:
    days = import_upload_retention_days()
    return days is not None and _past_retention(days, now or timezone.now()).exists()
