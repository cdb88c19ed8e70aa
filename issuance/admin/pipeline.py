"""Staff views of issuances, credentials and effects: find one, read its timeline, resume it."""

from django.contrib import admin, messages
from django.utils.html import format_html

from audit.models import AuditRecord
from courses.admin_base import LaurelAdmin, LaurelTabularInline

from ..models import Credential, Effect, Issuance, Learner, RenewalReminder, SignedBadgeRevision
from .certificate_actions import download_certificates_zip, regenerate_certificates
from ..transitions import NotParked, issuance_resume
from ..lifecycle.expiry import credential_shown_status
from .credential_status import CredentialStatusPermissions, revoke_selected, suspend_selected, unsuspend_selected
from .expiry_filters import ExpiresFilter, ShownStatusFilter
from .lifecycle_actions import send_renewal_email
from .wallet_actions import WalletOfferInline, make_wallet_link
from .outbound import OutboundDeliveryInline
from .privacy_actions import LearnerPrivacyPermissions, erase_learner_data, export_learner_data


class TimelineInline(LaurelTabularInline):
    model = AuditRecord
    verbose_name_plural = "Timeline"
    fields = readonly_fields = ["at", "from_state", "to_state", "actor_kind", "actor_label", "detail"]
    extra = 0
    can_delete = False
    ordering = ["at", "id"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class EffectInline(LaurelTabularInline):
    model = Effect
    verbose_name_plural = "Outside effects"
    fields = readonly_fields = ["kind", "key", "status", "attempts", "started_at", "finished_at", "outcome"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Issuance)
class IssuanceAdmin(LaurelAdmin):
    list_display = ["learner_name", "learner_email", "course", "organization", "state", "failed_step", "created_at"]
    list_filter = ["state", "organization", "course", ("created_at", admin.DateFieldListFilter)]
    search_fields = ["learner__email", "learner_name", "learner__name"]
    date_hierarchy = "created_at"
    list_select_related = ["learner", "course", "organization"]
    actions = ["resume_selected"]
    inlines = [TimelineInline, EffectInline, OutboundDeliveryInline]
    fieldsets = [
        (None, {"fields": ["id", "organization", "learner", "learner_name", "course", "achievement", "event"]}),
        ("State", {"fields": ["state", "reasons", "failed_step", "error", "attempts", "next_attempt_at",
                              "state_changed_at", "finished_at", "credential_link", "ruleset_version"]}),
        ("Completion", {"fields": ["completion"]}),
    ]

    def get_readonly_fields(self, request, obj=None):
        # State only changes through the pipeline and its actions, so every change is audited.
        return [f.name for f in Issuance._meta.fields] + ["credential_link"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="Email", ordering="learner__email")
    def learner_email(self, obj):
        return obj.learner.email

    @admin.display(description="Credential")
    def credential_link(self, obj):
        credential = Credential.objects.filter(issuance=obj).first()
        if credential is None:
            return "—"
        return format_html('<a href="../../../credential/{}/change/">{}</a>', credential.pk, credential.pk)

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
    list_display = ["id", "learner", "achievement", "shown_status", "issued_at", "valid_until"]
    list_filter = [ShownStatusFilter, ExpiresFilter, "achievement__organization", "issuance__course", "achievement"]
    search_fields = ["learner__email", "learner__name", "id"]
    list_select_related = ["learner", "achievement"]
    inlines = [RenewalReminderInline, SignedBadgeRevisionInline, WalletOfferInline]
    actions = [regenerate_certificates, download_certificates_zip, send_renewal_email, revoke_selected, suspend_selected,
               unsuspend_selected, make_wallet_link]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Credential._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="Status", ordering="status")
    def shown_status(self, obj):
        shown = credential_shown_status(status=obj.status, valid_until=obj.valid_until)
        return Credential.Status(shown).label


@admin.register(Learner)
class LearnerAdmin(LearnerPrivacyPermissions, LaurelAdmin):
    list_display = ["name", "email", "organization", "created_at", "erased_at"]
    list_filter = ["organization"]
    actions = [export_learner_data, erase_learner_data]
    search_fields = ["email", "name"]
