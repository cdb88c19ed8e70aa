"""Staff's part in wallet delivery: the offers a credential has (who claimed them), and a new wallet link."""

from django.contrib import admin, messages
from django.utils.html import format_html

from audit.services import audit_record
from credentials_site.admin.base import LaurelTabularInline
from courses.access.tenancy import organizations_for

from issuance.models import Credential, WalletOffer
from issuance.wallets.addresses import wallet_page_url
from issuance.wallets.offers import wallet_link_create


class WalletOfferInline(LaurelTabularInline):
    model = WalletOffer
    verbose_name_plural = "Wallet offers"
    fields = readonly_fields = ["protocol", "created_by", "created_at", "expires_at", "holder_did", "claimed_at",
                                "failed_attempts"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.action(description="Make a new wallet link (for the learner only)", permissions=["change"])
def make_wallet_link(modeladmin, request, queryset):
    credentials = queryset.filter(issuance__organization__in=organizations_for(request.user)).select_related(
        "learner", "issuance")
    made = 0
    for credential in credentials:
        if credential.status != Credential.Status.ACTIVE or not credential.badge:
            modeladmin.message_user(request, f"{credential.learner.email}: not made, the credential is "
                                             f"{credential.get_status_display().lower()} or not signed yet.",
                                    messages.WARNING)
            continue
        key = wallet_link_create(credential=credential, created_by=f"staff: {request.user.get_username()}")
        issuance = credential.issuance
        audit_record(issuance=issuance, from_state=issuance.state, to_state=issuance.state, actor_kind="staff",
                     actor_user=request.user, actor_label=request.user.get_username(),
                     detail="Made a new wallet link (a pair of wallet offers) for the learner.")
        modeladmin.log_change(request, credential, "Made a new wallet link.")
        url = wallet_page_url(credential_id=credential.pk, key=key)
        modeladmin.message_user(request, format_html(
            "Wallet link for {}: <a href=\"{}\">{}</a>. Send it to the learner only: it claims the credential.",
            credential.learner.email, url, url), messages.SUCCESS)
        made += 1
    if not made:
        modeladmin.message_user(request, "No wallet link made.", messages.WARNING)
