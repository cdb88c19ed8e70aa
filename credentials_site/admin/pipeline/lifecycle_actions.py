"""The credential admin's renewal email: a confirmation listing who gets it, the bulk gate, then a summary."""

from django.contrib import admin, messages
from django.template.response import TemplateResponse

from issuance.lifecycle.bulk import bulk_gate, typed_count
from issuance.lifecycle.resend import RenewalEmailRefused, credential_renewal_email_refusal, credential_renewal_email_send


@admin.action(description="Send the renewal email…", permissions=["change"])
def send_renewal_email(modeladmin, request, queryset):
    rows = [{"credential": c, "skip": credential_renewal_email_refusal(credential=c)}
            for c in queryset.select_related("learner", "achievement", "issuance__organization", "issuance__course")]
    chosen = [row["credential"] for row in rows if not row["skip"]]
    gate = bulk_gate(count=len(chosen), confirmed=typed_count(request.POST.get("confirm_count")))
    confirmed = request.POST.get("confirm") == "yes"
    if confirmed and gate.open:
        outcomes = {"sent": 0, "not sent": []}
        for credential in chosen:
            try:
                result = credential_renewal_email_send(credential=credential)
            except RenewalEmailRefused as exc:  # its status changed since the confirmation page
                outcomes["not sent"].append(str(exc))
                continue
            if result.sent:
                outcomes["sent"] += 1
                modeladmin.log_change(request, credential, "Renewal email sent.")
            else:
                outcomes["not sent"].append(f"{credential.learner.email}: {result.detail}")
        modeladmin.message_user(request, f"Renewal email sent to {outcomes['sent']} learner{'s' if outcomes['sent'] != 1 else ''}.",
                                messages.SUCCESS if outcomes["sent"] else messages.WARNING)
        if outcomes["not sent"]:
            modeladmin.message_user(request, f"Not sent ({len(outcomes['not sent'])}): " + " ".join(outcomes["not sent"][:5]),
                                    messages.WARNING)
        return None
    return TemplateResponse(request, "admin/issuance/credential/renewal_confirmation.html", {
        **modeladmin.admin_site.each_context(request), "title": "Send the renewal email?", "rows": rows,
        "count": len(chosen), "gate": gate, "gate_error": gate.refusal if confirmed else "",
        "opts": modeladmin.model._meta, "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
    })
