"""Owners invite staff by email: the invitation is audited and its link sent through the outbox."""

from django.conf import settings
from django.contrib import admin, messages
from django.urls import reverse
from django.utils import timezone

from credentials_site.admin.base import LaurelAdmin
from courses.access.membership import invitation_create, invitation_withdraw
from courses.models import Invitation

from issuance.delivery.outbox import outbox_enqueue
from issuance.delivery.tasks import outbox_enqueue_send
from issuance.email.messages import invitation_email_draft


def invitation_send(*, invitation: Invitation, token: str) -> None:
    """The invitation's email, through the outbox (retried, recorded, visible to the organisation's staff)."""
    url = settings.LAUREL_BASE_URL + reverse("invitation-accept", args=[token])
    message = outbox_enqueue(draft=invitation_email_draft(invitation=invitation, url=url))
    outbox_enqueue_send(message_id=message.pk, organization_id=message.organization_id)


@admin.register(Invitation)
class InvitationAdmin(LaurelAdmin):
    list_display = ["email", "organization", "role", "invited_by", "created_at", "expires_at", "state"]
    list_filter = ["organization", "role"]
    search_fields = ["email"]
    fields = ["organization", "email", "role", "courses"]
    filter_horizontal = ["courses"]
    actions = ["withdraw_selected"]

    def get_readonly_fields(self, request, obj=None):
        return self.fields if obj is not None else []  # an invitation sent is a record; withdraw it instead

    @admin.display(description="state")
    def state(self, invitation):
        if invitation.accepted_at:
            return f"accepted {invitation.accepted_at:%Y-%m-%d}"
        if invitation.revoked_at:
            return "withdrawn"
        return "expired" if invitation.expires_at <= timezone.now() else "open"

    def save_model(self, request, obj, form, change):
        if change:
            return
        invitation, token = invitation_create(organization=obj.organization, email=obj.email, role=obj.role,
                                              invited_by=request.user, courses=form.cleaned_data.get("courses", []))
        obj.pk, obj.token_hash, obj.expires_at, obj.created_at = (invitation.pk, invitation.token_hash,
                                                                  invitation.expires_at, invitation.created_at)
        obj._state.adding = False
        invitation_send(invitation=invitation, token=token)
        messages.success(request, f"Invitation sent to {invitation.email}; the link expires {invitation.expires_at:%Y-%m-%d %H:%M} UTC.")

    @admin.action(description="Withdraw the selected invitations", permissions=["change"])
    def withdraw_selected(self, request, queryset):
        open_ones = list(queryset.filter(accepted_at__isnull=True, revoked_at__isnull=True))
        for invitation in open_ones:
            invitation_withdraw(invitation=invitation, actor=request.user)
        count = len(open_ones)
        self.message_user(request, f"Withdrew {count} invitation{'s' if count != 1 else ''}; their links no longer work.")
