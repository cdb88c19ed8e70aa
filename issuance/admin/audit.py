"""The audit trail in the admin: readable by staff, editable by no one, exportable as CSV."""

from django.contrib import admin
from django.urls import path

from audit.export import audit_export_view
from audit.models import AuditRecord
from courses.admin_base import LaurelAdmin


@admin.register(AuditRecord)
class AuditRecordAdmin(LaurelAdmin):
    list_display = ["at", "issuance", "from_state", "to_state", "actor_kind", "actor_label", "short_detail"]
    list_filter = ["actor_kind", "to_state", ("at", admin.DateFieldListFilter)]
    search_fields = ["issuance__learner__email", "actor_label", "detail"]
    date_hierarchy = "at"
    list_select_related = ["issuance"]
    change_list_template = "admin/audit/auditrecord/change_list.html"

    def get_urls(self):
        extra = [path("export/", self.admin_site.admin_view(self.export_view), name="audit_auditrecord_export")]
        return extra + super().get_urls()

    def export_view(self, request):
        # The CSV holds the same rows as the list: the organisations the user's roles reach.
        return audit_export_view(request, scope=lambda records: self.get_queryset(request).filter(pk__in=records.values("pk")))

    @admin.display(description="Detail")
    def short_detail(self, obj):
        return obj.detail[:120]

    # Append-only: nobody, superuser or not, adds, edits or deletes audit records here.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
