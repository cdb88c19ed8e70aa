"""Staff views of issuances, credentials and effects: find one, read its timeline, resume it."""

from django import forms
from django.contrib import admin, messages
from django.db.models import Exists, OuterRef, Prefetch
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from audit.models import AuditRecord
from courses.templating.learner_text import LearnerNameError, learner_name_clean
from courses.rules import OTHER_CAUSE, REASON_CAUSES
from credentials_site.admin.base import LaurelAdmin, LaurelReadOnlyTabularInline, LaurelTabularInline, clipped, pill, short_time

from issuance.models import Credential, Effect, Issuance, Learner, OutboundDelivery, OutboxMessage, RenewalReminder, SignedBadgeRevision
from issuance.outbound.health import OPEN as SYNC_OPEN, issuance_sync_label
from credentials_site.admin.pipeline.certificate_actions import download_certificates_zip, regenerate_certificates
from issuance.pipeline import issuance_resume
from issuance.reports import ineligible_cause_filter
from issuance.transitions import NotParked
from issuance.lifecycle.expiry import credential_shown_status
from credentials_site.admin.pipeline.credential_imports import ImportedFilter, imported_from
from credentials_site.admin.pipeline.credential_status import CHANGES, CredentialStatusPermissions, revoke_selected, suspend_selected, unsuspend_selected
from credentials_site.admin.pipeline.expiry_filters import ExpiresFilter, ShownStatusFilter
from issuance.lifecycle.resend import credential_renewal_email_refusal
from credentials_site.admin.pipeline.lifecycle_actions import send_renewal_email
from credentials_site.admin.pipeline.park_reasons import park_reason_label
from credentials_site.admin.pipeline.wallet_actions import WalletOfferInline, make_wallet_link
from credentials_site.admin.pipeline.outbound import OutboundDeliveryInline
from credentials_site.admin.pipeline.learner_programmes import learner_programmes_table, learner_record_url, learner_record_view
from credentials_site.admin.pipeline.privacy_actions import LearnerPrivacyPermissions, erase_learner_data, export_learner_data


class TimelineInline(LaurelReadOnlyTabularInline):
    model = AuditRecord
    verbose_name_plural = "Timeline"
    fields = readonly_fields = ["at", "from_state", "to_state", "actor_kind", "actor_label", "detail"]
    ordering = ["at", "id"]


class EffectInline(LaurelReadOnlyTabularInline):
    model = Effect
    verbose_name_plural = "Outside effects"
    fields = readonly_fields = ["kind", "key", "status", "attempts", "started_at", "finished_at", "outcome"]


class CopyInline(LaurelReadOnlyTabularInline):
    """The copies of the credential email (manager, fixed addresses): to whom, and what became of each."""

    model = OutboxMessage
    verbose_name_plural = "Copies to others"
    fields = readonly_fields = ["message_link", "status", "attempts", "sent_at", "last_error"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(kind=OutboxMessage.Kind.CREDENTIAL_COPY).order_by("created_at")

    @admin.display(description="Recipient")
    def message_link(self, obj):
        return format_html('<a href="{}">{}</a>', reverse("admin:issuance_outboxmessage_change", args=[obj.pk]), obj.recipient)


def copies_table(*, issuance_id) -> str:
    """The copies of one issuance's credential email as a small table, for the credential's page."""
    rows = OutboxMessage.objects.filter(issuance_id=issuance_id, kind=OutboxMessage.Kind.CREDENTIAL_COPY).order_by("created_at")
    if not rows:
        return "None: no copies are configured for this course, or none were sent."
    return format_html("<table><thead><tr><th>Recipient</th><th>Status</th><th>Sent</th><th>Detail</th></tr></thead>"
                       "<tbody>{}</tbody></table>", format_html_join("", '<tr><td><a href="{}">{}</a></td><td>{}</td><td>{}</td><td>{}</td></tr>', (
                           (reverse("admin:issuance_outboxmessage_change", args=[m.pk]), m.recipient,
                            pill(m.status, m.get_status_display()), short_time(m.sent_at), clipped(m.last_error, wide=True))
                           for m in rows)))


class SyncFilter(admin.SimpleListFilter):
    """Delivered issuances by their outbound deliveries: some failing, some pending, or all done."""

    title, parameter_name = "sync", "sync"

    def lookups(self, request, model_admin):
        return [("failing", "Sync failing"), ("pending", "Sync pending"), ("synced", "Synced")]

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        delivered = queryset.filter(state__in=[Issuance.State.DELIVERED, Issuance.State.SYNCED])
        rows = OutboundDelivery.objects.filter(issuance=OuterRef("pk"))
        failing = Exists(rows.filter(status=OutboundDelivery.Status.FAILED))
        pending = Exists(rows.filter(status__in=[OutboundDelivery.Status.QUEUED, OutboundDelivery.Status.SENDING]))
        if value == "failing":
            return delivered.filter(failing)
        if value == "pending":
            return delivered.filter(pending).exclude(failing)
        return delivered.exclude(failing).exclude(pending)


class IneligibleCauseFilter(admin.SimpleListFilter):
    """Ineligible issuances by the cause of their reasons, as the dashboard counts them (courses.rules.REASON_CAUSES)."""

    title, parameter_name = "why not eligible", "why"

    def lookups(self, request, model_admin):
        return [(key, label) for key, (label, _phrases, _exceptions) in REASON_CAUSES.items()] + [OTHER_CAUSE]

    def queryset(self, request, queryset):
        return queryset if self.value() is None else queryset.filter(ineligible_cause_filter(self.value()))


@admin.register(Issuance)
class IssuanceAdmin(LaurelAdmin):
    list_display = ["learner_col", "course_col", "organization_col", "state_col", "failed_step_col", "park_reason_col", "created_col"]
    list_filter = ["state", SyncFilter, IneligibleCauseFilter, "park_reason", ImportedFilter, "organization", "course",
                   ("created_at", admin.DateFieldListFilter)]
    search_fields = ["learner__email", "learner_name", "learner__name"]
    date_hierarchy = "created_at"
    list_select_related = ["learner", "course", "organization"]
    actions = ["resume_selected"]
    object_actions = ["resume_selected"]
    object_action_labels = {"resume_selected": "Resume from the failed step"}
    read_only_page = True
    inlines = [TimelineInline, EffectInline, CopyInline, OutboundDeliveryInline]
    fieldsets = [
        (None, {"fields": ["id", "organization", "learner", "learner_name", "course", "achievement", "event", "origin"]}),
        ("State", {"fields": ["state", "sync", "reasons", "failed_step", "park_reason", "error", "attempts", "next_attempt_at",
                              "state_changed_at", "finished_at", "credential_link", "ruleset_version"]}),
        ("Completion", {"fields": ["completion", "language", "language_requested"]}),
    ]

    def get_readonly_fields(self, request, obj=None):
        # State only changes through the pipeline and its actions, so every change is audited.
        return [f.name for f in Issuance._meta.fields] + ["credential_link", "sync", "origin"]

    def get_queryset(self, request):
        # The deliveries not yet done, for the state's label: one more query a page, not one a row.
        open_deliveries = OutboundDelivery.objects.filter(status__in=SYNC_OPEN).select_related("connection").order_by("pk")
        return super().get_queryset(request).prefetch_related(Prefetch("outbound_deliveries", queryset=open_deliveries,
                                                                         to_attr="sync_open"))

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="Origin")
    def origin(self, obj):
        return imported_from(obj.pk) or "Issued by Laurel"

    @admin.display(description="Learner", ordering="learner_name")
    def learner_col(self, obj):
        return format_html('{}<br><small class="laurel-muted">{}</small>', clipped(obj.learner_name), clipped(obj.learner.email))

    @admin.display(description="Course", ordering="course__code")
    def course_col(self, obj):
        return format_html('<span title="{}">{}</span>', obj.course.title, obj.course.code)

    @admin.display(description="Organisation", ordering="organization__name")
    def organization_col(self, obj):
        return clipped(obj.organization.name)

    @admin.display(description="State", ordering="state")
    def state_col(self, obj):
        label = issuance_sync_label(obj, getattr(obj, "sync_open", []), why=False)
        tone = "failed" if "sync failing" in label else "queued" if "sync pending" in label else obj.state
        return pill(tone, label, title=issuance_sync_label(obj, getattr(obj, "sync_open", [])))

    @admin.display(description="Sync")
    def sync(self, obj):
        label = issuance_sync_label(obj, getattr(obj, "sync_open", []))
        if label != obj.get_state_display():
            return label
        if obj.state in (Issuance.State.DELIVERED, Issuance.State.SYNCED) and obj.outbound_deliveries.exists():
            return "Synced: every delivery succeeded."
        return "—"

    @admin.display(description="Failed step", ordering="failed_step")
    def failed_step_col(self, obj):
        return clipped(obj.failed_step) if obj.failed_step else "—"

    @admin.display(description="Why parked", ordering="park_reason")
    def park_reason_col(self, obj):
        return format_html('<span title="{}">{}</span>', obj.park_reason, park_reason_label(obj.park_reason)) if obj.park_reason else "—"

    @admin.display(description="Received", ordering="created_at")
    def created_col(self, obj):
        return short_time(obj.created_at)

    @admin.display(description="Credential")
    def credential_link(self, obj):
        credential = Credential.objects.filter(issuance=obj).first()
        if credential is None:
            return "—"
        return format_html('<a href="{}">{}</a> · <a href="{}">public page</a>',
                           reverse("admin:issuance_credential_change", args=[credential.pk]), credential.pk,
                           reverse("credential-page", args=[credential.pk]))

    def object_action_applies(self, obj, name):
        return obj.state == Issuance.State.PARKED

    def related_links(self, request, obj):
        links = [(f"Learner: {obj.learner}", reverse("admin:issuance_learner_change", args=[obj.learner_id]))]
        if obj.event_id:
            links.append(("The completion event", reverse("admin:issuance_completionevent_change", args=[obj.event_id])))
        credential = Credential.objects.filter(issuance=obj).first()
        if credential is not None:
            links.append(("Its credential", reverse("admin:issuance_credential_change", args=[credential.pk])))
            links.append(("Public page", reverse("credential-page", args=[credential.pk])))
        links.append(("Emails sent", reverse("admin:issuance_outboxmessage_changelist") + f"?issuance__id__exact={obj.pk}"))
        links.append(("Audit trail", reverse("admin:audit_auditrecord_changelist") + f"?issuance__id__exact={obj.pk}"))
        return links

    def has_resume_permission(self, request):
        return request.user.has_perm("issuance.resume_issuance")

    @admin.action(description="Resume the selected parked issuances from their failed step", permissions=["resume"])
    def resume_selected(self, request, queryset):
        resumed, skipped = 0, []
        for issuance in queryset:
            try:
                issuance_resume(issuance_id=issuance.pk, actor_user=request.user)
                resumed += 1
            except NotParked as exc:
                skipped.append(str(exc))
        if resumed:
            self.message_user(request, f"Resumed {resumed} issuance{'s' if resumed != 1 else ''}.", messages.SUCCESS)
        if skipped:
            self.message_user(request, f"Skipped {len(skipped)}: " + " ".join(skipped[:5]), messages.WARNING)


class RenewalReminderInline(LaurelTabularInline):
    model = RenewalReminder
    verbose_name_plural = "Renewal reminders"
    fields = readonly_fields = ["offset_days", "due_on", "outcome", "message", "created_at"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class SignedBadgeRevisionInline(LaurelTabularInline):
    model = SignedBadgeRevision
    verbose_name_plural = "Signed documents a reissue replaced"
    fields = readonly_fields = ["replaced_at", "reason", "sha256", "document"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Credential)
class CredentialAdmin(CredentialStatusPermissions, LaurelAdmin):
    list_display = ["id_col", "learner_col", "achievement_col", "shown_status", "issued_col", "valid_until_col"]
    list_filter = [ShownStatusFilter, ExpiresFilter, ImportedFilter, "achievement__organization", "issuance__course",
                   "achievement"]
    search_fields = ["learner__email", "learner__name", "id"]
    list_select_related = ["learner", "achievement", "issuance__imported"]
    inlines = [RenewalReminderInline, SignedBadgeRevisionInline, WalletOfferInline]
    actions = [regenerate_certificates, download_certificates_zip, send_renewal_email, revoke_selected, suspend_selected,
               unsuspend_selected, make_wallet_link]
    object_actions = ["revoke_selected", "suspend_selected", "unsuspend_selected", "send_renewal_email",
                      "regenerate_certificates"]
    object_action_labels = {"revoke_selected": "Revoke…", "suspend_selected": "Suspend…", "unsuspend_selected": "Restore…",
                            "send_renewal_email": "Send the renewal email…", "regenerate_certificates": "Regenerate the certificate…"}
    read_only_page = True

    def object_action_applies(self, obj, name):
        if name in CHANGES:
            return obj.status in CHANGES[name].applies_to
        if name == "send_renewal_email":
            return not credential_renewal_email_refusal(credential=obj)
        return True

    def related_links(self, request, obj):
        return [
            ("Public page", reverse("credential-page", args=[obj.pk])),
            ("PDF", reverse("credential-pdf", args=[obj.pk])),
            ("Its issuance", reverse("admin:issuance_issuance_change", args=[obj.issuance_id])),
            (f"Learner: {obj.learner}", reverse("admin:issuance_learner_change", args=[obj.learner_id])),
            ("Emails sent", reverse("admin:issuance_outboxmessage_changelist") + f"?issuance__id__exact={obj.issuance_id}"),
        ]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Credential._meta.fields] + ["copies", "origin"]

    @admin.display(description="Origin")
    def origin(self, obj):
        return imported_from(obj.issuance_id) or "Issued by Laurel"

    @admin.display(description="Copies to others")
    def copies(self, obj):
        return copies_table(issuance_id=obj.issuance_id)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="Status", ordering="status")
    def shown_status(self, obj):
        shown = credential_shown_status(status=obj.status, valid_until=obj.valid_until)
        return pill(shown, Credential.Status(shown).label)

    @admin.display(description="Credential", ordering="id")
    def id_col(self, obj):
        return format_html('<span class="laurel-clip laurel-mono" title="{}">{}…</span>', obj.pk, str(obj.pk)[:8])

    @admin.display(description="Learner", ordering="learner__name")
    def learner_col(self, obj):
        return format_html('{}<br><small class="laurel-muted">{}</small>', clipped(obj.learner.name), clipped(obj.learner.email))

    @admin.display(description="Achievement", ordering="achievement__name")
    def achievement_col(self, obj):
        return clipped(obj.achievement.name)

    @admin.display(description="Issued", ordering="issued_at")
    def issued_col(self, obj):
        imported = getattr(obj.issuance, "imported", None) if obj.issuance_id else None
        if imported is not None:  # brought over from another platform: dated as it was issued there
            return format_html("{} {}", short_time(obj.issued_at), pill("imported", f"imported from {imported.get_source_display()}"))
        return short_time(obj.issued_at)

    @admin.display(description="Valid until", ordering="valid_until")
    def valid_until_col(self, obj):
        return short_time(obj.valid_until) if obj.valid_until else "never ends"


class LearnerIssuanceInline(LaurelReadOnlyTabularInline):
    model = Issuance
    verbose_name_plural = "Issuances"
    fields = readonly_fields = ["issuance_link", "course", "state", "created_at"]
    ordering = ["-created_at"]

    @admin.display(description="Issuance")
    def issuance_link(self, obj):
        return format_html('<a href="{}">{}</a>', reverse("admin:issuance_issuance_change", args=[obj.pk]), obj.learner_name)


class LearnerCredentialInline(LaurelReadOnlyTabularInline):
    model = Credential
    verbose_name_plural = "Credentials"
    fields = readonly_fields = ["credential_link", "achievement", "status", "issued_at", "valid_until", "public_page"]
    ordering = ["-issued_at"]

    @admin.display(description="Credential")
    def credential_link(self, obj):
        return format_html('<a href="{}">{}…</a>', reverse("admin:issuance_credential_change", args=[obj.pk]), str(obj.pk)[:8])

    @admin.display(description="Public page")
    def public_page(self, obj):
        return format_html('<a href="{}">open</a>', reverse("credential-page", args=[obj.pk]))


class LearnerForm(forms.ModelForm):
    class Meta:
        model = Learner
        fields = "__all__"

    def clean_name(self):
        try:
            return learner_name_clean(self.cleaned_data["name"])  # the rule every entry of a name follows
        except LearnerNameError as exc:
            raise forms.ValidationError(str(exc)) from None


@admin.register(Learner)
class LearnerAdmin(LearnerPrivacyPermissions, LaurelAdmin):
    form = LearnerForm
    list_display = ["name", "email", "organization", "created_at", "erased_at"]
    list_filter = ["organization"]
    actions = [export_learner_data, erase_learner_data]
    search_fields = ["email", "name"]
    inlines = [LearnerIssuanceInline, LearnerCredentialInline]
    readonly_fields = ["programmes"]

    @admin.display(description="Programmes")
    def programmes(self, obj):
        """Where they stand on each programme, the same as their own page (/me) says."""
        return learner_programmes_table(obj) if obj is not None and obj.pk else "—"

    def related_links(self, request, obj):
        """Typing a completion in for this learner: one credential by hand, or a roster with them on it."""
        links = []
        if request.user.has_perm("issuance.issue_by_hand"):
            links.append(("Issue one credential", reverse("admin:issuance_handissue_add") + f"?learner={obj.pk}"))
        if request.user.has_perm("issuance.enter_roster"):
            links.append(("New roster with this learner", reverse("admin:issuance_roster_add") + f"?learner={obj.pk}"))
        if obj.erased_at is None:
            links.append(("Learner record (CLR 2.0): all their credentials", learner_record_url(obj)))
        return links

    def get_urls(self):
        record = self.admin_site.admin_view(lambda request, object_id: learner_record_view(self, request, object_id))
        return [path("<path:object_id>/clr/", record, name="issuance_learner_clr"), *super().get_urls()]
