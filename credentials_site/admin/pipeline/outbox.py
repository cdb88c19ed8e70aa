"""Staff's view of the outbox: what was sent to whom, what became of it, resend and test sends."""

from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html

from credentials_site.admin.base import LaurelAdmin, clipped, pill, short_time

from issuance.lifecycle.bulk import bulk_gate, typed_count
from issuance.lifecycle.resend import outbox_resend_refusal
from issuance.models import Credential, OutboxMessage, Suppression
from issuance.step_queue import issuance_enqueue
from issuance.delivery.outbox import outbox_release_held, outbox_requeue
from issuance.delivery.sending import delivery_send_test
from issuance.delivery.tasks import outbox_enqueue_send

MAX_TEST_SENDS = 5


@admin.register(OutboxMessage)
class OutboxMessageAdmin(LaurelAdmin):
    list_display = ["created_col", "kind_col", "recipient_col", "subject_col", "organization", "status_col", "attempts_col",
                    "sent_col"]
    list_filter = ["status", "organization", "kind", ("issuance__course", admin.RelatedOnlyFieldListFilter),
                   "issuance__course__sending_paused",
                   "possible_duplicate", "created_at"]
    search_fields = ["recipient", "subject", "idempotency_key", "provider_message_id"]
    date_hierarchy = "created_at"
    list_select_related = ["organization"]
    actions = ["resend", "release_held", "send_test_to_me"]
    object_actions = ["resend", "release_held", "send_test_to_me"]
    object_action_labels = {"resend": "Resend…", "release_held": "Release…", "send_test_to_me": "Send a test copy to me"}
    read_only_page = True

    def object_action_applies(self, obj, name):
        return name != "release_held" or obj.status == OutboxMessage.Status.HELD

    def related_links(self, request, obj):
        if not obj.issuance_id:
            return []
        issuance = obj.issuance
        links = [("Its issuance", reverse("admin:issuance_issuance_change", args=[issuance.pk])),
                 (f"Learner: {issuance.learner}", reverse("admin:issuance_learner_change", args=[issuance.learner_id]))]
        credential = Credential.objects.filter(issuance_id=issuance.pk).first()
        if credential is not None:
            links += [("Credential", reverse("admin:issuance_credential_change", args=[credential.pk])),
                      ("Public page", reverse("credential-page", args=[credential.pk]))]
        return links
    fieldsets = [
        (None, {"fields": ["status", "last_error", "duplicate_col", "kind", "organization", "issuance", "recipient", "subject"]}),
        ("As the learner saw it", {"fields": ["html_preview", "text_preview", "attachment_list"]}),
        ("Delivery", {"fields": ["from_email", "reply_to", "headers", "provider_message_id", "attempts", "next_attempt_at",
                                 "idempotency_key", "created_at", "sending_started_at", "sent_at", "updated_at"]}),
    ]

    def get_readonly_fields(self, request, obj=None):
        # What was sent is a record: nothing here is edited, only resent.
        return [field for fieldset in self.fieldsets for field in fieldset[1]["fields"]]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="created", ordering="created_at")
    def created_col(self, obj):
        return short_time(obj.created_at)

    @admin.display(description="recipient", ordering="recipient")
    def recipient_col(self, obj):
        return clipped(obj.recipient)

    @admin.display(description="subject", ordering="subject")
    def subject_col(self, obj):
        return clipped(obj.subject)

    @admin.display(description="status", ordering="status")
    def status_col(self, obj):
        return pill(obj.status, obj.Status(obj.status).label.split(" (")[0])

    @admin.display(description="kind", ordering="kind")
    def kind_col(self, obj):
        return clipped(obj.get_kind_display())

    @admin.display(description="tries", ordering="attempts")
    def attempts_col(self, obj):
        if obj.possible_duplicate:
            return format_html('{} <span class="laurel-pill laurel-pill-warn" title="The provider may have received it twice">'
                               'possible duplicate</span>', obj.attempts)
        return obj.attempts

    @admin.display(description="Possible duplicate")
    def duplicate_col(self, obj):
        # A sentence, not a tick or cross beside the field's help text (which read as a statement either way).
        if obj.possible_duplicate:
            return "Yes: an attempt's outcome was unknown and the message was sent again, so the learner may have it twice."
        return "No: every attempt's outcome was known."

    @admin.display(description="sent", ordering="sent_at")
    def sent_col(self, obj):
        return short_time(obj.sent_at)

    @admin.display(description="HTML")
    def html_preview(self, obj):
        if not obj.html_body:
            return "(no HTML part)"
        # srcdoc is escaped by format_html; an empty sandbox forbids scripts, forms and navigation.
        return format_html('<iframe sandbox="" srcdoc="{}" title="Email as sent" class="laurel-email-frame"></iframe>', obj.html_body)

    @admin.display(description="Text")
    def text_preview(self, obj):
        return format_html('<pre class="laurel-email-text">{}</pre>', obj.text_body)

    @admin.display(description="Attachments")
    def attachment_list(self, obj):
        return ", ".join(f"{item['filename']} ({item['mimetype']})" for item in obj.attachments) or "none"

    @admin.action(description="Resend the selected messages…", permissions=["change"])
    def resend(self, request, queryset):
        # Checked on the confirmation page and again on confirm: a credential may be revoked in between.
        selected = list(queryset.select_related("organization"))
        refused = [(message, reason) for message in selected if (reason := outbox_resend_refusal(message=message))]
        allowed = [message for message in selected if message not in {m for m, _ in refused}]
        gate = bulk_gate(count=len(allowed), confirmed=typed_count(request.POST.get("confirm_count")))
        if request.POST.get("confirmed") == "yes" and gate.open:
            done = 0
            for message in allowed:
                if outbox_requeue(message_id=message.pk):
                    outbox_enqueue_send(message_id=message.pk, organization_id=message.organization_id)
                    self.log_change(request, message, "Queued to be sent again.")
                    done += 1
            skipped = len(allowed) - done
            self.message_user(request, f"Queued {done} message{'s' if done != 1 else ''} to be sent again."
                              + (f" {skipped} being sent right now were left alone." if skipped else ""), messages.SUCCESS)
            for message, reason in refused:
                self.message_user(request, f"Not resent to {message.recipient}: {reason}", messages.WARNING)
            return None
        context = {
            **self.admin_site.each_context(request), "title": "Resend these messages?", "opts": self.model._meta,
            "messages_to_resend": allowed, "refused": refused,
            "suppressed": sum(m.status == OutboxMessage.Status.SUPPRESSED for m in allowed),
            "already_sent": sum(m.status in (OutboxMessage.Status.SENT, OutboxMessage.Status.DELIVERED) for m in allowed),
            "gate": gate, "gate_error": gate.refusal if request.POST.get("confirmed") == "yes" else "",
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/issuance/outboxmessage/resend_confirmation.html", context)

    @admin.action(description="Release the selected held messages…", permissions=["change"])
    def release_held(self, request, queryset):
        held = list(queryset.filter(status=OutboxMessage.Status.HELD).select_related("organization", "issuance__course"))
        gate = bulk_gate(count=len(held), confirmed=typed_count(request.POST.get("confirm_count")))
        if request.POST.get("confirmed") == "yes" and gate.open:
            released = outbox_release_held(message_ids=[message.pk for message in held])
            for message in held:
                if message.pk in released:
                    outbox_enqueue_send(message_id=message.pk, organization_id=message.organization_id)
                    if message.issuance_id:  # a pipeline step waiting on this email carries on now
                        issuance_enqueue(issuance_id=message.issuance_id, organization_id=message.organization_id)
                    self.log_change(request, message, "Released from the paused course's hold and queued.")
            self.message_user(request, f"Released {len(released)} held message{'s' if len(released) != 1 else ''}; "
                              "they are being sent.", messages.SUCCESS)
            return None
        paused = sorted({str(m.issuance.course) for m in held if m.issuance_id and m.issuance.course.sending_paused})
        context = {
            **self.admin_site.each_context(request), "title": "Release these held messages?", "opts": self.model._meta,
            "held": held, "not_held": queryset.exclude(status=OutboxMessage.Status.HELD).count(), "paused": paused,
            "gate": gate, "gate_error": gate.refusal if request.POST.get("confirmed") == "yes" else "",
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/issuance/outboxmessage/release_confirmation.html", context)

    @admin.action(description="Send a test copy to me", permissions=["view"])
    def send_test_to_me(self, request, queryset):
        if not request.user.email:
            self.message_user(request, "Your account has no email address; add one to receive test sends.", messages.ERROR)
            return
        if queryset.count() > MAX_TEST_SENDS:
            self.message_user(request, f"Pick at most {MAX_TEST_SENDS} messages to test.", messages.ERROR)
            return
        for message in queryset:
            result = delivery_send_test(message=message, to=request.user.email)
            level = messages.SUCCESS if result.sent else messages.WARNING
            self.message_user(request, f"Test of “{message.subject}” to {request.user.email}: {result.status} — {result.detail}", level)


@admin.register(Suppression)
class SuppressionAdmin(LaurelAdmin):
    list_display = ["address", "organization", "reason", "created_at"]
    list_filter = ["organization", "reason", "created_at"]
    search_fields = ["address", "detail"]
    readonly_fields = ["created_at"]
    fields = ["organization", "address", "reason", "detail", "created_at"]

    def get_readonly_fields(self, request, obj=None):
        # Removing a suppression is deleting it; editing would blur why it was added.
        return ["organization", "address", "reason", "detail", "created_at"] if obj else ["created_at"]
