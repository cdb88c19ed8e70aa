"""Keeping raw event bodies only as long as each organisation says (Organization.raw_body_retention_days), and a
learner's emailed copy of their data only as long as its link works (LAUREL_ME_DATA_LINK_HOURS)."""

from datetime import datetime, timedelta

from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from courses.models import Organization

from ..models import CompletionEvent, LearnerDataLink
from ..periodic import periodic_budget

# What the body is replaced by: the event row (its id, source, status, normalised completion) stays.
EXPIRED_BODY = b""
# Only events whose story is over: parked events still need their body to be corrected and reprocessed,
# accepted ones to be processed at all.
BATCH = 2000
FINISHED = [CompletionEvent.Status.PROCESSED, CompletionEvent.Status.IGNORED, CompletionEvent.Status.DISCARDED]


def _old_bodies(organization: Organization, now: datetime):
    cutoff = now - timedelta(days=organization.raw_body_retention_days)
    return CompletionEvent.objects.filter(source__organization=organization, status__in=FINISHED,
                                          received_at__lt=cutoff).exclude(body=EXPIRED_BODY)


def raw_bodies_expire(*, now: datetime | None = None, stop=None) -> dict[str, int]:
    """Empty the raw bodies (and kept headers) of finished events older than their organisation's retention.

    Returns the count per organisation slug; running it twice the same day changes nothing more. It
    works in batches that commit as they go and stops after a batch once `stop()` says so (by default,
    when the periodic budget is spent): the first run after retention is switched on may leave a year
    of bodies to the next runs (`event_body_kept_idx` makes each batch read only bodies still kept).
    """
    now = now or timezone.now()
    stop = stop or periodic_budget().spent
    expired = {}
    for organization in Organization.objects.filter(raw_body_retention_days__isnull=False).order_by("pk"):
        old = _old_bodies(organization, now)
        expired[organization.slug] = 0
        while True:
            batch = list(old.order_by("received_at").values_list("pk", flat=True)[:BATCH])
            if not batch:
                break
            with transaction.atomic():
                expired[organization.slug] += CompletionEvent.objects.filter(pk__in=batch).update(
                    body=EXPIRED_BODY, headers={})
            if stop():
                return expired
    return expired


def raw_bodies_left(*, now: datetime | None = None) -> bool:
    """Whether some organisation still keeps a body past its retention (a run stopped before the end)."""
    now = now or timezone.now()
    return any(_old_bodies(organization, now).exists()
               for organization in Organization.objects.filter(raw_body_retention_days__isnull=False).order_by("pk"))


DATA_COPY_BATCH = 200  # each a storage delete (a request to S3 in the scaled-out profile), then one DELETE of the rows


def data_copies_expire(*, now: datetime | None = None, batch: int = DATA_COPY_BATCH, stop=None) -> int:
    """Delete the ZIPs of learners' data copies whose links have expired, then their rows; returns how many.

    An expired link already answers 410 (`data_link_open`); this removes what it pointed at, which holds
    the learner's whole record. Oldest first, in batches that commit as they go, stopping when the
    periodic budget is spent, or after a batch once `stop()` says so (`learner_data_link_expiry_idx` makes
    each batch read only expired rows).
    The file goes first: a run stopped between the two finds the row again and deletes it, a missing
    file being no error.
    """
    now = now or timezone.now()
    stop = stop or periodic_budget().spent
    deleted = 0
    while True:
        rows = list(LearnerDataLink.objects.filter(expires_at__lte=now).order_by("expires_at", "pk")
                    .values_list("pk", "file")[:batch])
        if not rows:
            break
        for _, name in rows:
            if name:
                default_storage.delete(name)
        with transaction.atomic():
            deleted += LearnerDataLink.objects.filter(pk__in=[pk for pk, _ in rows]).delete()[0]
        if stop():
            break
    return deleted


def data_copies_left(*, now: datetime | None = None) -> bool:
    """Whether an expired data copy is still stored (a run stopped before the end)."""
    return LearnerDataLink.objects.filter(expires_at__lte=now or timezone.now()).exists()
