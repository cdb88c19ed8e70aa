"""Keeping raw event bodies only as long as each organisation says (Organization.raw_body_retention_days)."""

from datetime import datetime, timedelta

from django.utils import timezone

from courses.models import Organization

from ..models import CompletionEvent

# What the body is replaced by: the event row (its id, source, status, normalised completion) stays.
EXPIRED_BODY = b""
# Only events whose story is over: parked events still need their body to be corrected and reprocessed,
# accepted ones to be processed at all.
FINISHED = [CompletionEvent.Status.PROCESSED, CompletionEvent.Status.IGNORED, CompletionEvent.Status.DISCARDED]


def raw_bodies_expire(*, now: datetime | None = None) -> dict[str, int]:
    """Empty the raw bodies (and kept headers) of finished events older than their organisation's retention.

    Returns the count per organisation slug; running it twice the same day changes nothing more.
    """
    now = now or timezone.now()
    expired = {}
    for organization in Organization.objects.filter(raw_body_retention_days__isnull=False):
        cutoff = now - timedelta(days=organization.raw_body_retention_days)
        old = CompletionEvent.objects.filter(source__organization=organization, status__in=FINISHED,
                                             received_at__lt=cutoff).exclude(body=EXPIRED_BODY)
        expired[organization.slug] = old.update(body=EXPIRED_BODY, headers={})
    return expired
