"""Organisations' Ed25519 signing keys: one active, the retired ones kept so what they signed still verifies."""

from django.db import models
from django.db.models import Q

from .organizations import Organization


class OrganizationSigningKey(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, verbose_name="organisation", related_name="signing_keys")
    key_id = models.CharField(max_length=40, help_text="The fragment of the verification method, e.g. key-2.")
    public_key_multibase = models.CharField(max_length=64, help_text="Multikey publicKeyMultibase (z6Mk…).")
    private_key_encrypted = models.TextField(editable=False, help_text="The Ed25519 seed, encrypted with LAUREL_KEY_ENCRYPTION_KEY.")
    created_at = models.DateTimeField(auto_now_add=True)
    retired_at = models.DateTimeField(null=True, blank=True, help_text="No longer signs; still published.")

    class Meta:
        ordering = ["organization__name", "created_at", "id"]
        verbose_name = "organisation signing key"
        constraints = [
            models.UniqueConstraint(fields=["organization", "key_id"], name="signing_key_unique_id"),
            models.UniqueConstraint(
                fields=["organization"], condition=Q(retired_at__isnull=True), name="one_active_signing_key"
            ),
        ]

    def __str__(self):
        state = f"retired {self.retired_at:%Y-%m-%d}" if self.retired_at else "active"
        return f"{self.organization} {self.key_id} ({state})"
