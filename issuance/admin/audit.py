"""The audit trail in the admin: readable by staff, editable by no one, exportable as CSV."""

from django.contrib import admin
from django.urls import path

from audit.export import audit_export_view
from audit.models import AuditRecord
from django.utils.html import format_html

from courses.admin_base import LaurelAdmin, clipped, short_time


@admin.register(AuditRecord)
class AuditRecordAdmin(LaurelAdmin):
    list_display = ["at_col", "issuance_col", "change_col", "actor_col", "short_detail"]
    list_filter = ["actor_kind", "to_state", ("at", admin.DateFieldListFilter)]
    search_fields = ["issuance__learner__email", "actor_label", "detail"]
    date_hierarchy = "at"
    list_select_related = ["issuance__course"]
    change_list_template = "admin/audit/auditrecord/change_list.html"

    def get_urls(self):
        extra = [path("export/", self.admin_site.admin_view(audit_export_view), name="audit_auditrecord_export")]
        return extra + super().get_urls()

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
