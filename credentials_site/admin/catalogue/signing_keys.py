"""Signing keys in the organisation's admin page: listed read-only, rotated by an action."""

from django.contrib import admin, messages

from credentials_site.admin.base import LaurelReadOnlyTabularInline

from courses.models import Organization, OrganizationSigningKey
from courses.keys.rotation import organization_key_rotate


class SigningKeyInline(LaurelReadOnlyTabularInline):
    model = OrganizationSigningKey
    verbose_name_plural = "Signing keys (all stay published in the DID document)"
    fields = readonly_fields = ["key_id", "public_key_multibase", "created_at", "retired_at"]
    ordering = ["-created_at", "-id"]


@admin.action(description="Rotate the signing key (the old one stays published)", permissions=["change"])
def rotate_signing_keys(modeladmin, request, queryset):
    rotated = []
    for organization in queryset:
        key = organization_key_rotate(organization=organization)
        modeladmin.log_change(request, organization, f"Rotated the signing key: {key.key_id} signs from now on.")
        rotated.append(f"{organization.name} → {key.key_id}")
    modeladmin.message_user(request, "New signing keys: " + ", ".join(rotated) + ".", messages.SUCCESS)
    did_key = [o.name for o in queryset if o.issuer_id_method == Organization.IssuerIdMethod.DID_KEY]
    if did_key:
        modeladmin.message_user(
            request, f"{', '.join(did_key)} use did:key: new credentials carry a new issuer identifier.", messages.WARNING
        )
