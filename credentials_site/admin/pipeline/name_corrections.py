"""Learners' wrong-name reports from their page (/me), waiting in the exception queue; staff reissue or decline from here."""

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html

from credentials_site.admin.base import LaurelAdmin, short_time

from issuance.learner_page.name_corrections import REASON_MAX, NotOpen, name_correction_decline, name_correction_reissue
from issuance.models import NameCorrectionRequest


class StateFilter(admin.SimpleListFilter):
    """Open requests unless asked otherwise: the queue shows what waits."""

    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [*NameCorrectionRequest.State.choices, ("all", "All")]

    def choices(self, changelist):
        for lookup, title in self.lookup_choices:
            yield {"selected": (self.value() or "open") == lookup, "display": title,
                   "query_string": changelist.get_query_string({self.parameter_name: lookup})}

    def queryset(self, request, queryset):
        value = self.value() or "open"
        return queryset if value == "all" else queryset.filter(state=value)


@admin.register(NameCorrectionRequest)
class NameCorrectionRequestAdmin(LaurelAdmin):
    list_display = ["reported", "credential_col", "current_name", "requested_name", "note", "state", "resolution"]
    list_filter = [StateFilter]
    list_select_related = ["credential__achievement", "credential__issuance__organization"]
    search_fields = ["requested_name", "current_name"]
    ordering = ["created_at"]
    actions = ["reissue_selected", "decline_selected"]
    object_actions = ["reissue_selected", "decline_selected"]
    object_action_labels = {"reissue_selected": "Reissue with the requested name", "decline_selected": "Decline…"}
    read_only_page = True
    readonly_fields = ["credential", "current_name", "requested_name", "note", "state", "created_at", "resolved_at",
                       "resolved_by", "resolution"]
    fields = readonly_fields

    def has_add_permission(self, request):
        return False  # learners make these, on their page

    def has_delete_permission(self, request, obj=None):
        return False  # a record of what was asked

    def object_action_applies(self, obj, name: str) -> bool:
        return obj.state == NameCorrectionRequest.State.OPEN

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, {"title": "Exception queue: wrong names reported by learners",
                                                 **(extra_context or {})})

    @admin.display(description="reported", ordering="created_at")
    def reported(self, report):
        return short_time(report.created_at)

    @admin.display(description="credential")
    def credential_col(self, report):
        credential = report.credential
        url = reverse("admin:issuance_credential_change", args=[credential.pk])
        return format_html('<a href="{}">{} ({})</a>', url, credential.achievement.name,
                           credential.issuance.organization.name)

    @admin.action(description="Reissue with the name the learner asked for (emails them the corrected credential)",
                  permissions=["change"])
    def reissue_selected(self, request, queryset):
        done, failed = 0, []
        for report in queryset.filter(state=NameCorrectionRequest.State.OPEN):
            try:
                name_correction_reissue(report=report, actor_user=request.user)
                done += 1
            except (NotOpen, ValueError) as exc:
                failed.append(f"#{report.pk}: {exc}")
        if done:
            self.message_user(request, f"Reissued {done} credential{'s' if done != 1 else ''} with the corrected name; "
                                       "each change is in the audit trail.")
        for failure in failed:
            self.message_user(request, f"Not reissued — {failure}", messages.ERROR)

    @admin.action(description="Decline selected requests (with a reason the learner is emailed)", permissions=["change"])
    def decline_selected(self, request, queryset):
        reports = list(queryset.filter(state=NameCorrectionRequest.State.OPEN)
                       .select_related("credential__achievement", "credential__issuance"))
        reason = " ".join(request.POST.get("reason", "").split())
        error = ""
        if request.POST.get("confirm") == "yes":
            if not reason:
                error = "Give a reason: the learner is emailed it."
            elif len(reason) > REASON_MAX:
                error = f"The reason is {len(reason)} characters; keep it under {REASON_MAX}."
        if request.POST.get("confirm") != "yes" or error or not reports:
            if not reports:
                self.message_user(request, "None of the selected requests is still waiting: nothing was declined.",
                                  messages.WARNING)
                return None
            return TemplateResponse(request, "admin/issuance/namecorrectionrequest/decline_confirmation.html", {
                **self.admin_site.each_context(request), "opts": self.model._meta, "title": "Decline these name corrections?",
                "reports": reports, "reason": reason, "error": error, "reason_max": REASON_MAX,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME, "action": "decline_selected",
            })
        done, failed = 0, []
        for report in reports:
            try:
                name_correction_decline(report=report, actor_user=request.user, reason=reason)
                done += 1
            except (NotOpen, ValueError) as exc:
                failed.append(f"#{report.pk}: {exc}")
        if done:
            self.message_user(request, f"Declined {done} request{'s' if done != 1 else ''}; each learner is emailed your "
                                       "reason in their credential's language, and each decline is in the audit trail.")
        for failure in failed:
            self.message_user(request, f"Not declined — {failure}", messages.ERROR)
        return None
