"""The audit trail in the admin: readable by staff, editable by no one, exportable as CSV."""

from copy import copy
from datetime import timedelta

from django.contrib import admin
from django.urls import path, reverse

from issuance.engagement.figures import engagement_counted_between
from audit.export import DEFAULT_DAYS, ExportRow, audit_csv_response, audit_range_bounds, audit_range_parse
from audit.models import AuditRecord
from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseBadRequest
from django.utils import timezone
from django.utils.html import format_html

from courses.access import tenancy
from credentials_site.admin.base import LaurelAdmin, clipped, short_time
from courses.models import Organization


@admin.register(AuditRecord)
class AuditRecordAdmin(LaurelAdmin):
    ordering = ["-at", "-id"]  # newest first
    list_display = ["at_col", "issuance_col", "change_col", "actor_col", "short_detail"]
    list_filter = ["actor_kind", "to_state", ("at", admin.DateFieldListFilter)]
    search_fields = ["issuance__learner__email", "actor_label", "detail"]
    date_hierarchy = "at"
    list_select_related = ["issuance__course"]
    change_list_template = "admin/audit/auditrecord/change_list.html"
    read_only_page = True

    def related_links(self, request, obj):
        links = []
        if obj.issuance_id:
            links.append(("The issuance", reverse("admin:issuance_issuance_change", args=[obj.issuance_id])))
        if obj.event_id:
            links.append(("The event", reverse("admin:issuance_completionevent_change", args=[obj.event_id])))
        return links

    def get_urls(self):
        extra = [path("export/", self.admin_site.admin_view(self.export_view), name="audit_auditrecord_export")]
        return extra + super().get_urls()

    def changelist_view(self, request, extra_context=None):
        today = timezone.localdate()
        params = [(name, value) for name, values in request.GET.lists() for value in values if name not in ("p", "e")]
        return super().changelist_view(request, {**(extra_context or {}), "export_params": params, "export_to": today,
                                                 "export_from": today - timedelta(days=DEFAULT_DAYS - 1)})

    def export_view(self, request):
        """The CSV of the list as filtered (its filters and search ride along), with configuration changes.

        The list's queryset is the user's organisations' records (the admin's scoping), so the CSV is too.
        """
        if not self.has_view_permission(request):
            raise PermissionDenied
        bounds = audit_range_parse(request.GET)
        if isinstance(bounds, HttpResponseBadRequest):
            return bounds
        start, end = bounds
        list_request = copy(request)
        list_request.GET = request.GET.copy()
        for name in ("from", "to"):
            list_request.GET.pop(name, None)
        records = self.get_changelist_instance(list_request).get_queryset(list_request)
        filtered = any(name not in ("o", "p") for name in list_request.GET)
        # Configuration changes belong to no issuance: they are left out when the list is narrowed to some.
        bounds = audit_range_bounds(start=start, end=end)
        extra = [] if filtered else configuration_changes(*bounds, user=request.user) + engagement_rows(*bounds, user=request.user)
        return audit_csv_response(start=start, end=end, records=records.order_by(), extra_rows=extra)

    @admin.display(description="Detail")
    def short_detail(self, obj):
        return clipped(obj.detail, wide=True)

    @admin.display(description="At", ordering="at")
    def at_col(self, obj):
        return short_time(obj.at)

    @admin.display(description="Issuance", ordering="issuance")
    def issuance_col(self, obj):
        return clipped(obj.issuance) if obj.issuance_id else "—"

    @admin.display(description="Change")
    def change_col(self, obj):
        if not obj.to_state:
            return "—"
        return format_html("{} → {}", obj.from_state or "·", obj.to_state)

    @admin.display(description="Actor", ordering="actor_label")
    def actor_col(self, obj):
        return format_html('{}<br><small class="laurel-muted">{}</small>', clipped(obj.actor_label), obj.actor_kind)

    # Append-only: nobody, superuser or not, adds, edits or deletes audit records here.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


HISTORY_KINDS = {"+": "created", "~": "changed", "-": "deleted"}
CONFIGURED_APPS = ("courses", "issuance")


def configuration_changes(low, high, *, user) -> list[ExportRow]:
    """Catalogue and source edits in [low, high) from django-simple-history, as audit export rows:
    of the organisations `user` may see (a model with no way to its organisation: superusers only)."""
    rows = []
    organizations = None if user.is_superuser else tenancy.organizations_for(user, "audit.view_auditrecord")
    for model in apps.get_models():
        if model._meta.app_label not in CONFIGURED_APPS or not hasattr(model, "history") or model.__name__.startswith("Historical"):
            continue
        history = model.history.filter(history_date__gte=low, history_date__lt=high).select_related("history_user")
        if organizations is not None:
            path = "id" if issubclass(model, Organization) else tenancy.organization_path(model)
            if path is None:
                continue
            history = history.filter(**{f"{path}__in": organizations})
        for entry in history.iterator():
            changed = ""
            previous = entry.prev_record if entry.history_type == "~" else None
            if previous is not None:
                fields = [change.field for change in entry.diff_against(previous).changes]
                changed = f" ({', '.join(fields)})" if fields else ""
            user = entry.history_user
            rows.append(ExportRow(
                at=entry.history_date, from_state="", to_state=f"config {HISTORY_KINDS.get(entry.history_type, entry.history_type)}",
                actor_kind="staff" if user else "system", actor_label=user.get_username() if user else "system",
                detail=f"{model._meta.verbose_name.capitalize()} “{entry.instance}” {HISTORY_KINDS.get(entry.history_type, '')}"
                       f"{changed}.",
            ))
    return rows


def engagement_rows(low, high, *, user) -> list[ExportRow]:
    """Each credential counted in [low, high), as one row at its last count: what happened after it was sent."""
    organizations = None if user.is_superuser else tenancy.organizations_for(user, "audit.view_auditrecord")
    return [ExportRow(
        at=row["last_counted_at"], issuance=str(row["credential__issuance_id"]), course=row["course__code"],
        to_state="engagement", actor_kind="visitors", actor_label="engagement",
        detail=(f"Credential {row['credential_id']}: {row['views']} views, {row['downloads']} downloads, "
                f"{row['linkedin_clicks']} LinkedIn clicks, {row['wallet_claims']} wallet claims, "
                f"{row['verifications']} verifications (counted since {row['first_counted_at']:%Y-%m-%d})."),
    ) for row in engagement_counted_between(low=low, high=high, organizations=organizations)]
