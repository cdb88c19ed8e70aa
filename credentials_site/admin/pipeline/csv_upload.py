"""CSV upload in the admin through django-import-export: choose a source, preview, then confirm.

django-import-export drives the pages (upload, dry-run preview, confirm). The rows themselves go
through `issuance.intake.csv_import`, the same code as `manage.py import_completions`, so a bad
row is shown with its reasons and parked on import instead of blocking the whole file.
"""

import io
from dataclasses import dataclass

from django import forms
from import_export.formats.base_formats import CSV
from import_export.forms import ConfirmImportForm
from import_export.resources import Resource
from import_export.results import Result, RowResult
from unfold.contrib.import_export.forms import ImportForm
from unfold.widgets import UnfoldAdminIntegerFieldWidget, UnfoldAdminSelectWidget

from issuance.intake.csv_import import CsvFileError, csv_import, csv_import_would_email
from issuance.lifecycle.bulk import bulk_gate
from issuance.models import Source
from issuance.sources.csv_rows import OPTIONAL_COLUMNS, REQUIRED_COLUMNS

PREVIEW_HEADERS = ["Row", "Outcome"]
_DESCRIPTIONS = {
    "email": "The learner's email address.",
    "course": "Our course code (e.g. FA-101) or the source's id for the course.",
    "completed_at": "When they completed it: 2026-11-26T09:58:00Z, or without a time zone (2026-11-26, 2026-11-26 09:58) "
                    "in the organisation's time zone; 26/11/2026 once the organisation sets 'Dates in CSV files' to day first.",
    "learner_id": "The learner's id in your system, if any.",
    "score": "0–100, e.g. 86.",
    "attendance": "0–100 (per cent), e.g. 95.",
    "language": "The learner's language as a BCP 47 tag, e.g. fr or pt-BR. Empty: the course's, then the organisation's.",
}
# (column, required?, what goes in it): the import page lists them above the upload form.
CSV_COLUMNS = (
    [(column, "required", _DESCRIPTIONS[column]) for column in REQUIRED_COLUMNS]
    + [("name", "required, or both of the next two", "The name as it will appear on the certificate."),
       ("given_name, family_name", "instead of name", "Joined with a space.")]
    + [(column, "optional", _DESCRIPTIONS[column]) for column in OPTIONAL_COLUMNS]
    + [("manager_email", "optional", "The learner's manager's address: copied on the credential email when the course "
                                       "copies managers (a malformed address is reported, never a reason to hold the learner's).")]
    + [("any other column", "optional", "Kept with the completion as extra data; rule conditions can test it.")]
)


@dataclass(frozen=True)
class RawCsvUpload:
    """The upload's bytes, unparsed: Laurel's reader decodes and parses them a batch of rows at a time."""

    content: bytes

    def __bool__(self):
        return bool(self.content.strip())


class StreamedCsv(CSV):
    """django-import-export's CSV format without its tablib Dataset: no second, parsed copy of every row.

    Decoding happens in `csv_import`, so a wrong encoding is reported with the row it breaks on.
    """

    def is_binary(self):
        return True

    def get_read_mode(self):
        return "rb"

    def create_dataset(self, in_stream, **kwargs):
        return RawCsvUpload(in_stream if isinstance(in_stream, bytes) else in_stream.encode("utf-8"))


class CompletionCsvResource(Resource):
    """Not a model resource: each row becomes a CompletionEvent through the intake service."""

    def __init__(self, source: Source | None = None, confirm_count: int | None = None, **kwargs):
        super().__init__(**kwargs)
        self.source = source
        self.confirm_count = confirm_count

    @classmethod
    def get_display_name(cls):
        return "Completions (email, name or given_name + family_name, course, completed_at, learner_id, score, attendance)"

    def get_user_visible_fields(self):
        return []

    def import_data(self, dataset, dry_run=False, raise_errors=False, **kwargs):
        result = Result()
        result.diff_headers = PREVIEW_HEADERS
        data = io.BytesIO(dataset.content)
        file_name = kwargs.get("file_name") or "upload.csv"
        try:
            if not dry_run:  # the cap on learners emailed, counted as the preview counted them
                count = csv_import_would_email(report=csv_import(source=self.source, stream=data, file_name=file_name, dry_run=True))
                data.seek(0)
                gate = bulk_gate(count=count, confirmed=self.confirm_count)
                if not gate.open:
                    result.laurel_refusal = gate.refusal + " Upload the file again and type the count."
                    return result
            report = csv_import(source=self.source, stream=data, file_name=file_name, dry_run=dry_run, forecast=dry_run,
                                uploaded_by=kwargs.get("user"))
        except CsvFileError as exc:
            result.append_base_error(_FileError(exc))
            return result
        result.laurel_report = report
        result.total_rows = report.rows
        summary = RowResult()
        summary.import_type = RowResult.IMPORT_TYPE_NEW
        summary.diff = ["all", report.summary() + (f" Would email up to {csv_import_would_email(report=report)} learners."
                                                   if dry_run else "")]
        result.append_row_result(summary)
        for row, problem in report.problems:
            result.append_row_result(_preview_row(row, f"Invalid, will be parked: {problem}", RowResult.IMPORT_TYPE_SKIP))
        for row in report.duplicate_rows:
            result.append_row_result(_preview_row(row, "Duplicate: already received from this file.", RowResult.IMPORT_TYPE_SKIP))
        result.totals[RowResult.IMPORT_TYPE_NEW] = report.rows - report.duplicates
        result.totals[RowResult.IMPORT_TYPE_SKIP] = report.duplicates
        return result


class _FileError:
    """import-export shows base errors with their traceback; ours carry a plain message."""

    def __init__(self, exc):
        self.error = exc
        self.traceback = ""
        self.row = None
        self.number = None


def _preview_row(row: int, outcome: str, import_type: str) -> RowResult:
    row_result = RowResult()
    row_result.import_type = import_type
    row_result.diff = [row, outcome]
    return row_result


class CompletionImportForm(ImportForm):
    """unfold's upload form (its file and select widgets), plus the source the rows come from."""

    source = forms.ModelChoiceField(queryset=Source.objects.filter(is_active=True), help_text="Who the rows come from.",
                                    widget=UnfoldAdminSelectWidget)


class CompletionConfirmImportForm(ConfirmImportForm):
    source = forms.ModelChoiceField(queryset=Source.objects.all(), widget=forms.HiddenInput)
    confirm_count = forms.IntegerField(
        required=False, min_value=0, label="Learners to email", widget=UnfoldAdminIntegerFieldWidget,
        help_text="Needed only when the file would email more than LAUREL_BULK_CONFIRM_OVER learners: type the "
                  "count the preview says.",
    )
