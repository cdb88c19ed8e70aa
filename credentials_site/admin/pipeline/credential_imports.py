"""Credentials brought over from another platform (docs/import.md), in the admin: the upload, then one page that
maps each of the file's badges to a course (suggested by name), shows the dry run (counts and every row's outcome)
and imports, through the same code as `manage.py import_credentials`."""

from difflib import get_close_matches

from django import forms
from django.contrib import admin
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from credentials_site.admin.base import LaurelAdmin, clipped, short_time
from credentials_site.admin.choices import form_given_request
from courses.access import tenancy
from courses.models import Course
from issuance.imports import READERS
from issuance.imports.keeping import RETENTION_SETTING, import_upload_delete
from issuance.imports.plan import IMPORT, MappingError, import_plan
from issuance.imports.rows import FIELDS, FileUnreadable
from issuance.imports.run import ImportRefused, credentials_import
from issuance.lifecycle.bulk import bulk_confirm_over, typed_count
from issuance.models import CredentialImportUpload, ImportedCredential

ISSUE_PERMISSION = "issuance.issue_by_hand"  # an import issues credentials: an operator's or owner's, in that organisation
MAX_BYTES = 20 * 1024 * 1024


def _columns(text: str) -> dict[str, str]:
    columns = {}
    for line in (text or "").splitlines():
        if line.strip():
            field, sep, header = line.partition("=")
            if not sep or field.strip() not in FIELDS or not header.strip():
                raise forms.ValidationError(f"{line.strip()!r}: write field=Column header, one a line; the fields are "
                                            f"{', '.join(FIELDS)}.")
            columns[field.strip()] = header.strip()
    return columns


class UploadForm(forms.ModelForm):
    file = forms.FileField(help_text="Credly's issued-badges CSV, Accredible's CSV or API JSON, Badgr's assertions "
                                     "JSON, or Open Badges 2.0 assertion URLs one a line (URL,email,name).")
    column_names = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}), label="Column names",
        help_text="Only where the file's headers differ from those in docs/import.md: field=Column header, one a line "
                  "(e.g. email=Recipient Email).")

    class Meta:
        model = CredentialImportUpload
        fields = ["organization", "source"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        if "organization" in self.fields:  # not on an upload's own page, where everything is read-only
            self.fields["organization"].queryset = tenancy.organizations_for(request.user, ISSUE_PERMISSION)

    def clean_column_names(self):
        return _columns(self.cleaned_data.get("column_names", ""))

    def clean(self):
        data = super().clean()
        upload, source = data.get("file"), data.get("source")
        if upload is None or not source:
            return data
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(f"The file is larger than {MAX_BYTES // 1024 // 1024} MB: split it.")
        data["body"], data["fetched"] = upload.read(), {}
        # A URL list is fetched here, in the upload's POST, and its answers kept with it: its pages then only read
        # them (a GET never writes), and the dry run and the import act on the same answers.
        fetching = {"fetched": data["fetched"]} if source == "ob2" else {}
        try:
            READERS[source].read(data["body"], columns=data.get("column_names") or {}, **fetching)
        except FileUnreadable as exc:
            self.add_error("file", str(exc))
        return data


@admin.register(CredentialImportUpload)
class CredentialImportAdmin(LaurelAdmin):
    form = UploadForm
    list_display = ["file_name", "source", "organization_col", "uploaded_by", "uploaded_col", "imported_col"]
    list_filter = ["source", "organization"]
    search_fields = ["file_name"]
    list_select_related = ["organization", "uploaded_by"]
    read_only_page = True

    def get_form(self, request, obj=None, change=False, **kwargs):
        return form_given_request(super().get_form(request, obj, change, **kwargs), request)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["organization", "source", "file", "column_names"]
        return ["organization", "source", "file_name", "uploaded_by", "uploaded_at", "mapping", "columns", "imported_at",
                "summary", "file_removed_at"]

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj) if obj is not None else []

    def has_add_permission(self, request):
        return tenancy.organizations_for(request.user, ISSUE_PERMISSION).exists()

    def has_change_permission(self, request, obj=None):
        return False  # the upload is kept as received; its mapping is saved on its review page

    def has_delete_permission(self, request, obj=None):
        """Who may import may delete (operators and owners, in the upload's organisation), one upload at a time
        from its page: Django's confirmation, then `import_upload_delete`, which notes and audits it."""
        if obj is None:
            return tenancy.organizations_for(request.user, ISSUE_PERMISSION).exists()
        return tenancy.scope(CredentialImportUpload.objects.filter(pk=obj.pk), request.user, ISSUE_PERMISSION).exists()

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # each deletion is its own, confirmed and audited, from the upload's page
        return actions

    def delete_view(self, request, object_id, extra_context=None):
        kept = ImportedCredential.objects.filter(upload_id=object_id).count() if str(object_id).isdigit() else 0
        return super().delete_view(request, object_id, {**(extra_context or {}), "credentials_kept": kept})

    def delete_model(self, request, obj):
        import_upload_delete(upload=obj, actor_user=request.user)

    def delete_queryset(self, request, queryset):  # not offered (no bulk action); kept true to the rule if called
        for upload in tenancy.scope(queryset, request.user, ISSUE_PERMISSION):
            import_upload_delete(upload=upload, actor_user=request.user)

    def save_model(self, request, obj, form, change):
        obj.body, obj.file_name = form.cleaned_data["body"], form.cleaned_data["file"].name[:200]
        obj.fetched = form.cleaned_data.get("fetched") or {}
        obj.columns, obj.uploaded_by = form.cleaned_data.get("column_names") or {}, request.user
        obj.save()

    def response_add(self, request, obj, post_url_continue=None):
        return HttpResponseRedirect(reverse("admin:issuance_credentialimportupload_review", args=[obj.pk]))

    def related_links(self, request, obj):
        links = [("Map, dry run and import", reverse("admin:issuance_credentialimportupload_review", args=[obj.pk]))]
        if self.has_delete_permission(request, obj):
            links.append(("Delete this upload (its credentials stay)…",
                          reverse("admin:issuance_credentialimportupload_delete", args=[obj.pk])))
        return links

    def get_urls(self):
        review = self.admin_site.admin_view(lambda request, pk: import_review_view(self, request, pk))
        return [path("<int:pk>/review/", review, name="issuance_credentialimportupload_review")] + super().get_urls()

    @admin.display(description="Organisation", ordering="organization__name")
    def organization_col(self, obj):
        return clipped(obj.organization.name)

    @admin.display(description="Uploaded", ordering="uploaded_at")
    def uploaded_col(self, obj):
        return short_time(obj.uploaded_at)

    @admin.display(description="Imported")
    def imported_col(self, obj):
        if obj.imported_at is None:
            url = reverse("admin:issuance_credentialimportupload_review", args=[obj.pk])
            return format_html('<a href="{}">Map and dry run</a>', url)
        return short_time(obj.imported_at)


def _suggestions(badges: list[tuple[str, str]], courses: list[Course], saved: dict) -> list[dict]:
    """Each badge of the file with the course saved for it, else the one its name suggests: exact, else closest."""
    by_name = {}
    for course in courses:
        for name in (course.title, course.achievement.name):
            by_name.setdefault(name.strip(), course.code)
    lines = []
    for key, name in badges:
        code, how = saved.get(key), "saved"
        if code is None:
            close = get_close_matches(name, list(by_name), n=1, cutoff=0.6) if name else []
            code, how = (by_name[name], "same name") if name in by_name else (
                (by_name[close[0]], f"suggested: close to “{close[0]}”") if close else ("", "no course by that name"))
        lines.append({"key": key, "name": name, "code": code or "", "how": how})
    return lines


def import_review_view(modeladmin, request, pk):
    upload = get_object_or_404(modeladmin.get_queryset(request).select_related("organization"), pk=pk)
    organization, error, notify = upload.organization, "", request.POST.get("notify") == "learners"
    may_issue = tenancy.scope(CredentialImportUpload.objects.filter(pk=upload.pk), request.user, ISSUE_PERMISSION).exists()
    courses = list(Course.objects.filter(organization=organization, is_active=True).select_related("achievement").order_by("code"))
    body = bytes(upload.body)
    if upload.file_removed_at is not None:  # past retention: the record stays, the rows are gone
        may_issue = False
    if request.method == "POST" and may_issue and request.POST.get("step") == "map":
        known = {c.code for c in courses}
        count = min(typed_count(request.POST.get("badges")) or 0, 10_000)  # a hand-made post is bounded, never a 500
        upload.mapping = {badge: code for i in range(count) if (badge := request.POST.get(f"badge-{i}", ""))
                          and ((code := request.POST.get(f"course-{i}", "")) in known or code == "")}
        upload.save(update_fields=["mapping"])
    mapping = {badge: code for badge, code in upload.mapping.items() if code}
    fetched = dict(upload.fetched)  # a URL list's answers, fetched and kept when it was uploaded: read, not asked
    try:
        plan = import_plan(organization=organization, source=upload.source, body=body, file_name=upload.file_name,
                           mapping=mapping, columns=upload.columns, fetched=fetched)
    except (FileUnreadable, MappingError) as exc:
        plan, error = None, str(exc)
    if upload.file_removed_at is not None:
        plan, error = None, (f"The stored file was removed on {upload.file_removed_at:%Y-%m-%d}, past "
                             f"{RETENTION_SETTING}: upload it again to dry-run or import it.")
    if fetched != upload.fetched and request.method == "POST" and may_issue:  # an upload from before answers were
        upload.fetched = fetched  # fetched on upload: kept by the dry run's POST, never by a GET
        upload.save(update_fields=["fetched"])
    if plan is not None and request.method == "POST" and may_issue and request.POST.get("step") == "import":
        shown = typed_count(request.POST.get("expected"))
        if upload.imported_at is not None:
            error = "This file was imported already: upload it again to import what has changed."
        elif shown != plan.count(IMPORT):  # staff confirm the rows they were shown, not a plan that has moved since
            error = f"{plan.count(IMPORT)} row(s) would import now, not the {shown} shown: nothing was imported. Check, then confirm again."
        else:
            try:
                report = credentials_import(plan=plan, body=body, notify_learners=notify, mapping=mapping, upload=upload,
                                            columns=upload.columns, fetched=fetched, actor_user=request.user,
                                            confirmed=typed_count(request.POST.get("confirm_count")))
            except ImportRefused as exc:
                error = str(exc)
            else:
                upload.imported_at, upload.summary = timezone.now(), report.summary()
                upload.save(update_fields=["imported_at", "summary"])
                modeladmin.message_user(request, report.summary() + " Each credential's issuance says it was imported.")
                return HttpResponseRedirect(reverse("admin:issuance_credentialimportupload_change", args=[upload.pk]))
    badges = sorted({(o.row.badge_id or o.row.badge_name, o.row.badge_name) for o in plan.rows if o.row.badge}) if plan else []
    context = {
        **modeladmin.admin_site.each_context(request), "opts": modeladmin.opts, "title": f"Import {upload.file_name}",
        "upload": upload, "plan": plan, "courses": courses, "may_issue": may_issue, "error": error, "notify": notify,
        "mapping_lines": _suggestions(badges, courses, upload.mapping), "mapping_saved": bool(upload.mapping) or not badges,
        "to_import": plan.count(IMPORT) if plan else 0, "would_email": plan.would_email(notify_learners=True) if plan else 0,
        "confirm_over": bulk_confirm_over(), "label": READERS[upload.source].LABEL,
        "change_url": reverse("admin:issuance_credentialimportupload_change", args=[upload.pk]),
    }
    return TemplateResponse(request, "admin/issuance/credentialimportupload/review.html", context)


class ImportedFilter(admin.SimpleListFilter):
    """Issuances or credentials brought over from another platform, or Laurel's own."""

    title, parameter_name = "origin", "imported"

    def __init__(self, request, params, model, model_admin):
        self.lookup = "imported" if model._meta.model_name == "issuance" else "issuance__imported"
        super().__init__(request, params, model, model_admin)

    def lookups(self, request, model_admin):
        return [("yes", "Imported from another platform"), ("no", "Issued by Laurel")]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(**{f"{self.lookup}__isnull": self.value() == "no"})
        return queryset


def imported_from(issuance_id) -> str:
    """"Imported from Credly: credential … (row 2 of file.csv, by ann)", linked to the original; "" if Laurel's own."""
    from_row = issuance_imported(issuance_id)
    if from_row is None:
        return ""
    by = f", by {from_row.imported_by.get_username()}" if from_row.imported_by_id else ", with manage.py"
    text = (f"Imported from {from_row.get_source_display()} on {from_row.imported_at:%Y-%m-%d}: credential "
            f"{from_row.original_id} ({from_row.source_badge}, row {from_row.row} of {from_row.file_name}{by})")
    if from_row.upload_note:
        text += f". {from_row.upload_note}"
    if from_row.original_url:
        return format_html('{} <a href="{}" rel="noopener noreferrer">original</a>', text, from_row.original_url)
    return text


def issuance_imported(issuance_id):
    return ImportedCredential.objects.filter(issuance_id=issuance_id).select_related("imported_by").first()
