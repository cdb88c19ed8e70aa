"""Audit records for a date range as a streamed CSV, so a year of records never sits in memory.

The range defaults to the last 30 days. The caller may narrow the records (the admin passes its
list's filters) and merge in other dated rows (the admin adds configuration changes from the
models' history) as `ExportRow`s; this module knows no model but its own.
"""

import csv
import heapq
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.http import HttpResponseBadRequest, StreamingHttpResponse
from django.utils import timezone

from .models import AuditRecord

COLUMNS = ["at", "issuance", "event", "learner", "learner_email", "course", "from_state", "to_state", "actor_kind",
           "actor_label", "detail"]
DEFAULT_DAYS = 30


@dataclass(frozen=True)
class ExportRow:
    at: datetime
    issuance: str = ""
    event: str = ""
    learner: str = ""
    learner_email: str = ""
    course: str = ""
    from_state: str = ""
    to_state: str = ""
    actor_kind: str = ""
    actor_label: str = ""
    detail: str = ""


class _Echo:
    def write(self, value):
        return value


def audit_range_bounds(*, start: date, end: date) -> tuple[datetime, datetime]:
    """From the start of `start` to the end of `end`, in the site's time zone."""
    zone = timezone.get_current_timezone()
    return datetime.combine(start, time.min, tzinfo=zone), datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone)


def audit_records_between(*, start: date, end: date, records=None):
    low, high = audit_range_bounds(start=start, end=end)
    records = AuditRecord.objects.all() if records is None else records
    return records.filter(at__gte=low, at__lt=high).order_by("at", "id")


def audit_range_parse(params) -> tuple[date, date] | HttpResponseBadRequest:
    """?from=YYYY-MM-DD&to=YYYY-MM-DD; a missing end is today, a missing start 30 days before the end."""
    try:
        end = date.fromisoformat(params["to"]) if params.get("to") else timezone.localdate()
        start = date.fromisoformat(params["from"]) if params.get("from") else end - timedelta(days=DEFAULT_DAYS - 1)
    except ValueError:
        return HttpResponseBadRequest("Give the range as ?from=YYYY-MM-DD&to=YYYY-MM-DD.")
    if end < start:
        return HttpResponseBadRequest(f"The range ends ({end}) before it starts ({start}).")
    return start, end


def _record_row(record: AuditRecord) -> ExportRow:
    issuance = record.issuance
    return ExportRow(
        at=record.at, issuance=str(record.issuance_id or ""), event=str(record.event_id or ""),
        learner=issuance.learner_name if issuance else "", learner_email=issuance.learner.email if issuance else "",
        course=issuance.course.code if issuance else "", from_state=record.from_state, to_state=record.to_state,
        actor_kind=record.actor_kind, actor_label=record.actor_label, detail=record.detail,
    )


def audit_csv_rows(records, extra_rows=()):
    """The header, then records and `extra_rows` merged in time order."""
    writer = csv.writer(_Echo())
    yield writer.writerow(COLUMNS)
    records = records.select_related("issuance__learner", "issuance__course")
    rows = heapq.merge((_record_row(r) for r in records.iterator(chunk_size=2000)), sorted(extra_rows, key=lambda r: r.at),
                       key=lambda row: row.at)
    for row in rows:
        yield writer.writerow([row.at.isoformat()] + [_neutralise(str(getattr(row, column))) for column in COLUMNS[1:]])


def _neutralise(text: str) -> str:
    # A cell starting with = + - @ is a formula in spreadsheets; learner text must stay text.
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def audit_csv_response(*, start: date, end: date, records=None, extra_rows=()) -> StreamingHttpResponse:
    response = StreamingHttpResponse(audit_csv_rows(audit_records_between(start=start, end=end, records=records), extra_rows),
                                     content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="audit-{start}-to-{end}.csv"'
    return response
