"""Every completion event received, read-only, with the CSV upload on its list page."""

from django.contrib import admin, messages
from import_export.admin import ImportMixin

from courses.admin_base import LaurelAdmin

from ..models import CompletionEvent
from .csv_upload import CompletionConfirmImportForm, CompletionCsvResource, CompletionImportForm, StreamedCsv
from .display import errors_html, raw_body_html


@admin.register(CompletionEvent)
class CompletionEventAdmin(ImportMixin, LaurelAdmin):
    list_display = ["received_at", "source", "channel", "external_id", "status", "park_reason"]
    list_filter = ["status", "channel", "source", "park_reason"]
    search_fields = ["external_id", "id"]
    date_hierarchy = "received_at"
    list_select_related = ["source"]
    readonly_fields = [
        "id", "source", "channel", "external_id", "received_at", "status", "raw_body", "error_list",
        "headers", "normalized", "corrections", "processed_at", "discarded_reason", "ignored_reason",
        "enrichment_attempts", "next_attempt_at",
    ]
    fields = readonly_fields
    # import-export: CSV only, our resource, and the source chosen on the upload form.
    resource_classes = [CompletionCsvResource]
    formats = [StreamedCsv]
    from_encoding = "utf-8-sig"
    import_form_class = CompletionImportForm
    confirm_form_class = CompletionConfirmImportForm
    skip_admin_log = True

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # nothing received is ever deleted

    def has_import_permission(self, request):
        return request.user.has_perm("issuance.add_completionevent")

    @admin.display(description="raw body")
    def raw_body(self, event):
        return raw_body_html(event)

    @admin.display(description="errors")
    def error_list(self, event):
        return errors_html(event)

    def get_import_resource_kwargs(self, request, **kwargs):
        form = kwargs.get("form")
        cleaned = form.cleaned_data if form is not None and hasattr(form, "cleaned_data") else {}
        return {"source": cleaned.get("source"), "confirm_count": cleaned.get("confirm_count")}

    def get_confirm_form_initial(self, request, import_form):
        initial = super().get_confirm_form_initial(request, import_form)
        if import_form:
            initial["source"] = import_form.cleaned_data["source"].pk
        return initial

    def add_success_message(self, result, request):
        if getattr(result, "laurel_refusal", ""):
            messages.error(request, result.laurel_refusal)
            return
        report = getattr(result, "laurel_report", None)
        if report is not None:
            messages.success(request, f"Imported {report.file_name}: {report.summary()}")
