"""Audit records for a date range as a streamed CSV, so a year of records never sits in memory."""

import csv
from datetime import date, datetime, time, timedelta

from django.core.exceptions import PermissionDenied
from django.http import HttpResponseBadRequest, StreamingHttpResponse
from django.utils import timezone

from .models import AuditRecord

COLUMNS = ["at", "issuance", "event", "from_state", "to_state", "actor_kind", "actor_label", "detail"]


class _Echo:
    def write(self, value):
        return value


def audit_records_between(*, start: date, end: date):
    """Records from the start of `start` to the end of `end`, in the site's time zone."""
    zone = timezone.get_current_timezone()
    low = datetime.combine(start, time.min, tzinfo=zone)
    high = datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone)
    return AuditRecord.objects.filter(at__gte=low, at__lt=high).order_by("at", "id")


def audit_csv_rows(records):
    writer = csv.writer(_Echo())
    yield writer.writerow(COLUMNS)
    for record in records.iterator(chunk_size=2000):
        yield writer.writerow([
            record.at.isoformat(), record.issuance_id or "", record.event_id or "", record.from_state,
            record.to_state, record.actor_kind, record.actor_label, _neutralise(record.detail),
        ])


def _neutralise(text: str) -> str:
    # A cell starting with = + - @ is a formula in spreadsheets; learner text must stay text.
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def audit_export_view(request, *, scope):
    """`scope(records)` narrows the records to those the user may see (the admin passes its own scoping)."""
    if not request.user.has_perm("audit.view_auditrecord"):
        raise PermissionDenied
    try:
        start = date.fromisoformat(request.GET["from"])
        end = date.fromisoformat(request.GET["to"])
    except (KeyError, ValueError):
        return HttpResponseBadRequest("Give the range as ?from=YYYY-MM-DD&to=YYYY-MM-DD.")
    if end < start:
        return HttpResponseBadRequest(f"The range ends ({end}) before it starts ({start}).")
    records = scope(audit_records_between(start=start, end=end)).order_by("at", "id")
    response = StreamingHttpResponse(audit_csv_rows(records), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="audit-{start}-to-{end}.csv"'
    return response
