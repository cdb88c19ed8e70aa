"""What became of an imported CSV file: one line per row (its event and issuance) and a summary."""

import json
from dataclasses import dataclass, field

from issuance.models import CompletionEvent, Issuance

State = Issuance.State
# How staff read an issuance's state after an import; everything past "eligible" is on its way or issued.
ISSUED = {State.ELIGIBLE, State.RENDERED, State.BADGED, State.DELIVERED, State.SYNCED}
OUTCOME_OF_STATE = {**{state: "issued" for state in ISSUED}, State.INELIGIBLE: "ineligible",
                    State.DUPLICATE: "duplicate", State.PARKED: "parked", State.REVOKED: "issued", State.EXPIRED: "issued"}
SUMMARY_ORDER = ["issued", "ineligible", "duplicate", "parked", "processing"]
ROWS_SHOWN = 1000


@dataclass
class ImportedRow:
    row: int
    event: CompletionEvent
    issuance: Issuance | None
    outcome: str  # issued, ineligible, duplicate, parked, processing
    detail: str

    @property
    def columns(self) -> dict:
        """The row as the file had it, for rows that never became an issuance."""
        try:
            return json.loads(bytes(self.event.body)).get("columns", {})
        except (ValueError, AttributeError):
            return {}

    @property
    def learner(self) -> str:
        if self.issuance is not None:
            return f"{self.issuance.learner_name} <{self.issuance.learner.email}>"
        columns = self.columns
        name = columns.get("name") or f"{columns.get('given_name', '')} {columns.get('family_name', '')}".strip()
        return " ".join(filter(None, [name, f"<{columns['email']}>" if columns.get("email") else ""])) or "—"

    @property
    def course(self) -> str:
        return self.issuance.course.code if self.issuance is not None else (self.columns.get("course") or "—")


@dataclass
class ImportResults:
    file_name: str = ""
    rows: list[ImportedRow] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    total: int = 0

    @property
    def summary(self) -> str:
        return ", ".join(f"{self.counts[key]} {key}" for key in SUMMARY_ORDER if self.counts.get(key))

    @property
    def waiting(self) -> int:
        return self.counts.get("processing", 0)

    @property
    def done_percent(self) -> int:
        return 100 if not self.total else round(100 * (self.total - self.waiting) / self.total)


def _outcome(event: CompletionEvent, issuance: Issuance | None) -> tuple[str, str]:
    if event.status == CompletionEvent.Status.PARKED:
        return "parked", "; ".join(error.get("message", "") for error in (event.errors or [])) or event.park_reason
    if event.status in (CompletionEvent.Status.DISCARDED, CompletionEvent.Status.IGNORED):
        return "parked", event.get_status_display()
    if issuance is None:
        return "processing", "Waiting for the worker."
    outcome = OUTCOME_OF_STATE.get(issuance.state, "processing")
    if outcome in ("ineligible", "duplicate"):
        return outcome, " ".join(issuance.reasons)
    if outcome == "parked":
        return outcome, issuance.error
    if issuance.state in (State.DELIVERED, State.SYNCED):
        return outcome, "Credential issued and emailed."
    return outcome, f"Credential issued; {issuance.get_state_display().lower()}, on its way to the learner."


def csv_import_results(*, events, file_sha256: str) -> ImportResults:
    """`events` is the staff member's scoped queryset of events; those of the file with this SHA-256 are read."""
    file_events = events.filter(external_id__startswith=f"csv:{file_sha256[:16]}:", channel=CompletionEvent.Channel.CSV)
    results = ImportResults(total=file_events.count())
    issuances = {}
    shown = list(file_events.order_by("received_at", "pk")[:ROWS_SHOWN])
    for issuance in Issuance.objects.filter(event__in=shown).select_related("learner", "course").order_by("created_at"):
        issuances.setdefault(issuance.event_id, issuance)
    for event in shown:
        results.file_name = results.file_name or (event.headers or {}).get("file-name", "")
        issuance = issuances.get(event.pk)
        outcome, detail = _outcome(event, issuance)
        results.rows.append(ImportedRow((event.headers or {}).get("row", 0), event, issuance, outcome, detail))
    results.rows.sort(key=lambda r: r.row)
    for row in results.rows:
        results.counts[row.outcome] = results.counts.get(row.outcome, 0) + 1
    if results.total > len(shown):  # beyond the rows shown, count by state without loading them
        rest = file_events.exclude(pk__in=[e.pk for e in shown])
        for state, count in _state_counts(rest).items():
            results.counts[state] = results.counts.get(state, 0) + count
    return results


def _state_counts(events) -> dict[str, int]:
    counts: dict[str, int] = {}
    parked = events.filter(status=CompletionEvent.Status.PARKED).count()
    counts["parked"] = parked
    decided = Issuance.objects.filter(event__in=events).values_list("state", flat=True)
    for state in decided:
        key = OUTCOME_OF_STATE.get(state, "processing")
        counts[key] = counts.get(key, 0) + 1
    counts["processing"] = counts.get("processing", 0) + max(0, events.count() - parked - len(decided))
    return counts
