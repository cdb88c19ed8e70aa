"""Keeping raw event bodies only as long as each organisation says (Organization.raw_body_retention_days), and a
learner's emailed copy of their data only as long as its link works (LAUREL_ME_DATA_LINK_HOURS)."""

import time
from datetime import datetime, timedelta

from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from courses.models import Organization

from ..models import CompletionEvent, LearnerDataLink
from ..periodic import Budget, periodic_budget

# What the body is replaced by: the event row (its id, source, status, normalised completion) stays.
EXPIRED_BODY = b""
# Only events whose story is over: parked events still need their body to be corrected and reprocessed,
# accepted ones to be processed at all.
FINISHED = [CompletionEvent.Status.PROCESSED, CompletionEvent.Status.IGNORED, CompletionEvent.Status.DISCARDED]
BATCH = 2000  # the most bodies one statement empties
FIRST_BATCH = 250  # a timed run's first statement; the next ones are sized by the pace it measured
SMALLEST_BATCH = 50


def _old_bodies(organization: Organization, now: datetime):
    cutoff = now - timedelta(days=organization.raw_body_retention_days)
    return CompletionEvent.objects.filter(source__organization=organization, status__in=FINISHED,
                                          received_at__lt=cutoff).exclude(body=EXPIRED_BODY)


def _next_batch(done: int, seconds: float, budget: Budget | None) -> int:
    """As many bodies as fit in half the time the run has left at the pace of the last statement."""
    if budget is None:
        return BATCH
    pace = done / max(seconds, 0.001)
    return max(SMALLEST_BATCH, min(BATCH, int(pace * budget.left() / 2)))


def raw_bodies_expire(*, now: datetime | None = None, stop=None, budget: Budget | None = None) -> dict[str, int]:
    """Empty the raw bodies (and kept headers) of finished events older than their organisation's retention.

    Returns the count per organisation slug; running it twice the same day changes nothing more. Each
    batch is one UPDATE of the oldest bodies still kept (`event_body_kept_idx`), committed as it goes;
    it stops after a batch once `stop()` says so (by default, when the periodic budget is spent). Given
    a `budget` (a scheduled run of about a second), it starts small and sizes each next batch to end
    well within the time left, so one slow statement on a busy host cannot carry a run far past it.
    """
    now = now or timezone.now()
    stop = stop or (budget.spent if budget is not None else periodic_budget().spent)
    size = min(FIRST_BATCH, BATCH) if budget is not None else BATCH
    expired = {}
    for organization in Organization.objects.filter(raw_body_retention_days__isnull=False).order_by("pk"):
        old = _old_bodies(organization, now)
        expired[organization.slug] = 0
        while True:
            started = time.monotonic()
            done = CompletionEvent.objects.filter(pk__in=old.order_by("received_at").values("pk")[:size]).update(
                body=EXPIRED_BODY, headers={})
            expired[organization.slug] += done
            if done < size:
                break
            if stop():
                return expired
            size = _next_batch(done, time.monotonic() - started, budget)
    return expired


def raw_bodies_left(*, now: datetime | None = None) -> bool:
    """Whether some organisation still keeps a body past its retention (a run stopped before the end)."""
    now = now or timezone.now()
    # The oldest one, as a batch asks: `.exists()` drops the order, and SQLite then walked the (status,
    # received_at) index through every body already emptied (0.6 s a million events in, and growing).
    return any(_old_bodies(organization, now).order_by("received_at").values("pk")[:1]
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
