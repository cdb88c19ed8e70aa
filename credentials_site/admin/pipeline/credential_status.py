"""Bulk revoke / suspend / restore for credentials in the admin, each behind a confirmation page with a reason."""

from dataclasses import dataclass
from typing import Callable

from django.contrib import admin, messages
from django.template.response import TemplateResponse

from issuance.lifecycle.bulk import bulk_confirm_over, bulk_gate, typed_count
from issuance.models import Credential
from issuance.revocation import CredentialStatusError, credential_revoke, credential_suspend, credential_unsuspend

Status = Credential.Status


@dataclass(frozen=True)
class StatusChange:
    name: str
    title: str
    explanation: str
    outcome: str
    submit_label: str
    applies_to: frozenset
    change: Callable
    reason_required: bool = True
    shown_publicly: bool = True
    offers_notice: bool = False  # "tell the learner", with the revocation notice template


CHANGES = {
    change.name: change
    for change in (
        StatusChange("revoke_selected", "Revoke credentials",
                     "Revoking is permanent: the public page, the status list and the Open Badges 2.0 assertion say "
                     "so at once. Nothing is deleted.", "Revoked", "Yes, revoke them",
                     frozenset({Status.ACTIVE, Status.SUSPENDED, Status.EXPIRED, Status.SUPERSEDED}), credential_revoke,
                     offers_notice=True),
        StatusChange("suspend_selected", "Suspend credentials",
                     "A suspended credential shows as suspended everywhere until it is restored.", "Suspended",
                     "Yes, suspend them", frozenset({Status.ACTIVE}), credential_suspend),
        StatusChange("unsuspend_selected", "Restore suspended credentials",
                     "Restored credentials show as valid again (unless they have expired).", "Active",
                     "Yes, restore them", frozenset({Status.SUSPENDED}), credential_unsuspend,
                     shown_publicly=False),
    )
}


def _skip_reason(change: StatusChange, credential: Credential) -> str:
    return "" if credential.status in change.applies_to else f"it is {credential.get_status_display().lower()}"


def credential_status_action(modeladmin, request, queryset, *, change: StatusChange):
    queryset = queryset.select_related("learner", "achievement")
    reason = request.POST.get("reason", "").strip()
    notify = change.offers_notice and request.POST.get("notify_learner") == "yes"
    applicable = sum(not _skip_reason(change, credential) for credential in queryset)
    gate = bulk_gate(count=applicable if notify else 0, confirmed=typed_count(request.POST.get("confirm_count")))
    extra = {"notify_learner": True} if notify else {}
    error = ""
    if request.POST.get("confirm") == "yes":
        if not gate.open:
            error = gate.refusal
        elif reason or not change.reason_required:
            done, skipped = 0, []
            for credential in queryset:
                try:
                    change.change(credential=credential, reason=reason, actor=request.user, **extra)
                    done += 1
                except CredentialStatusError as exc:
                    skipped.append(str(exc))
            told = " Each learner is sent the revocation notice (see the outbox)." if notify and done else ""
            modeladmin.message_user(request, f"{change.outcome}: {done} credential{'s' if done != 1 else ''}.{told}",
                                    messages.SUCCESS if done else messages.WARNING)
            if skipped:
                modeladmin.message_user(request, f"Left unchanged ({len(skipped)}): " + " ".join(skipped[:5]),
                                        messages.WARNING)
            return None
        else:
            error = "Give a reason: it is kept in the audit trail."
    rows = [{"credential": credential, "skip": _skip_reason(change, credential)} for credential in queryset]
    return TemplateResponse(request, "admin/issuance/credential/status_confirmation.html", {
        **modeladmin.admin_site.each_context(request),
        "title": change.title, "explanation": change.explanation, "outcome": change.outcome,
        "submit_label": change.submit_label, "reason_required": change.reason_required,
        "shown_publicly": change.shown_publicly, "rows": rows, "action": change.name, "reason": reason,
        "offers_notice": change.offers_notice, "notify": notify, "applicable": applicable,
        "confirm_over": bulk_confirm_over(), "error": error, "opts": modeladmin.model._meta,
        "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
    })


@admin.action(description="Revoke the selected credentials…", permissions=["revoke"])
def revoke_selected(modeladmin, request, queryset):
    return credential_status_action(modeladmin, request, queryset, change=CHANGES["revoke_selected"])


@admin.action(description="Suspend the selected credentials…", permissions=["suspend"])
def suspend_selected(modeladmin, request, queryset):
    return credential_status_action(modeladmin, request, queryset, change=CHANGES["suspend_selected"])


@admin.action(description="Restore the selected suspended credentials…", permissions=["unsuspend"])
def unsuspend_selected(modeladmin, request, queryset):
    return credential_status_action(modeladmin, request, queryset, change=CHANGES["unsuspend_selected"])


class CredentialStatusPermissions:
    """`has_<action>_permission` for the actions above: the same permissions the API checks."""

    def has_revoke_permission(self, request):
        return request.user.has_perm("issuance.revoke_credential")

    def has_suspend_permission(self, request):
        return request.user.has_perm("issuance.suspend_credential")

    def has_unsuspend_permission(self, request):
        return request.user.has_perm("issuance.unsuspend_credential")
