"""Every completion event received, read-only, with the CSV upload on its list page."""

from django.contrib import admin, messages
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from import_export.admin import ImportMixin

from courses.access import tenancy
from credentials_site.admin.base import LaurelAdmin, clipped, pill, short_time
from courses.access.tenancy import organizations_for

from issuance.models import CompletionEvent
from credentials_site.admin.pipeline.csv_results import csv_import_results
from credentials_site.admin.pipeline.csv_upload import CSV_COLUMNS, CompletionConfirmImportForm, CompletionCsvResource, CompletionImportForm, StreamedCsv
from credentials_site.admin.pipeline.display import completion_html, errors_html, raw_body_html
from credentials_site.admin.pipeline.park_reasons import park_reason_label


@admin.register(CompletionEvent)
class CompletionEventAdmin(ImportMixin, LaurelAdmin):
    list_display = ["received_col", "learner_col", "source_col", "channel", "external_id_col", "status_col", "park_reason_col"]
    list_filter = ["status", "channel", "source", "park_reason"]
    search_fields = ["external_id", "id", "learner_label"]
    search_help_text = "Search by the learner's name or address, or the event's id."
    date_hierarchy = "received_at"
    list_select_related = ["source"]
    readonly_fields = [
        "id", "learner_label", "source", "channel", "external_id", "received_at", "status", "raw_body", "error_list",
        "headers", "completion", "corrections", "processed_at", "discarded_reason", "ignored_reason",
        "enrichment_attempts", "next_attempt_at",
    ]
    fields = readonly_fields
    read_only_page = True

    def related_links(self, request, obj):
        links = [(f"Issuances from it", reverse("admin:issuance_issuance_changelist") + f"?event__id__exact={obj.pk}")]
        if obj.status == CompletionEvent.Status.PARKED:
            links.insert(0, ("Fix it in the exception queue", reverse("admin:issuance_parkedevent_change", args=[obj.pk])))
        links.append(("Audit trail", reverse("admin:audit_auditrecord_changelist") + f"?event__id__exact={obj.pk}"))
        return links

    # import-export: CSV only, our resource, and the source chosen on the upload form.
    resource_classes = [CompletionCsvResource]
    formats = [StreamedCsv]
    from_encoding = "utf-8-sig"
    import_form_class = CompletionImportForm
    confirm_form_class = CompletionConfirmImportForm
    import_template_name = "admin/issuance/completionevent/import.html"
    skip_admin_log = True

    def get_urls(self):
        results = self.admin_site.admin_view(self.import_results_view)
        return [path("import/<str:sha256>/", results, name="issuance_completionevent_import_results")] + super().get_urls()

    def get_import_context_data(self, **kwargs):
        return {**super().get_import_context_data(**kwargs), "csv_columns": CSV_COLUMNS}

    def process_result(self, result, request):
        response = super().process_result(result, request)
        report = getattr(result, "laurel_report", None)
        if report is None or getattr(result, "laurel_refusal", ""):
            return response
        return HttpResponseRedirect(reverse("admin:issuance_completionevent_import_results", args=[report.file_sha256]))

    def import_results_view(self, request, sha256):
        """What became of each row of one imported file: its event, its issuance, and a summary."""
        if not self.has_view_permission(request):  # as for another organisation's file: nothing to confirm
            raise Http404("No import of that file here.")
        events = self.get_queryset(request).filter(source__organization__in=organizations_for(request.user))
        results = csv_import_results(events=events, file_sha256=sha256)
        if not results.total:  # no such file among the user's organisations' events
            raise Http404("No import of that file here.")
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "results": results,
                   "title": f"Import of {results.file_name or 'a CSV file'}"}
        return render(request, "admin/issuance/completionevent/import_results.html", context)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # nothing received is ever deleted

    def has_import_permission(self, request):
        return request.user.has_perm("issuance.add_completionevent")

    @admin.display(description="received", ordering="received_at")
    def received_col(self, event):
        return short_time(event.received_at)

    @admin.display(description="source", ordering="source__name")
    def source_col(self, event):
        return clipped(event.source.name)

    @admin.display(description="learner", ordering="learner_label")
    def learner_col(self, event):
        return clipped(event.learner_label) if event.learner_label else "—"

    @admin.display(description="external id", ordering="external_id")
    def external_id_col(self, event):
        return clipped(event.external_id)

    @admin.display(description="status", ordering="status")
    def status_col(self, event):
        return pill(event.status, event.get_status_display())

    @admin.display(description="why parked", ordering="park_reason")
    def park_reason_col(self, event):
        return park_reason_label(event.park_reason) if event.park_reason else "—"

    @admin.display(description="raw body")
    def raw_body(self, event):
        return raw_body_html(event)

    @admin.display(description="completion")
    def completion(self, event):
        return completion_html(event)

    @admin.display(description="errors")
    def error_list(self, event):
        return errors_html(event)

    def _scope_source_choices(self, request, form):
        # Rows may come only from sources of organisations where the user may import.
        field = form.fields["source"]
        field.queryset = tenancy.scope(field.queryset, request.user, "issuance.add_completionevent")
        return form

    def create_import_form(self, request):
        return self._scope_source_choices(request, super().create_import_form(request))

    def create_confirm_form(self, request, import_form=None):
        return self._scope_source_choices(request, super().create_confirm_form(request, import_form))

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
