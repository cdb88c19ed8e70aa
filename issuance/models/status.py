"""Bitstring status lists per organisation and purpose, and each credential's place in them."""

from django.db import models

from courses.models import Organization

from .issuances import Credential

# The spec's minimum length: a list this long hides which credential a verifier is checking.
STATUS_LIST_SIZE = 131_072


class StatusList(models.Model):
    class Purpose(models.TextChoices):
        REVOCATION = "revocation", "Revocation"
        SUSPENSION = "suspension", "Suspension"

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, verbose_name="organisation", related_name="status_lists")
    purpose = models.CharField(max_length=10, choices=Purpose.choices)
    number = models.PositiveIntegerField()
    size = models.PositiveIntegerField(default=STATUS_LIST_SIZE)
    issuer_id = models.CharField(max_length=300, help_text="The issuer of the credentials that point here.")
    # The signed BitstringStatusListCredential as last published; emptied whenever a bit changes,
    # and signed again by the next request for it.
    signed = models.JSONField(null=True, blank=True, editable=False)
    signed_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Bumped with every change, so a list signed from older bits is never stored over a newer change.
    version = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organization__name", "purpose", "number"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "purpose", "number"], name="status_list_unique_number")
        ]

    def __str__(self):
        return f"{self.organization.slug}/{self.purpose}/{self.number}"


class StatusListEntry(models.Model):
    """One credential's bit in one list. The bit is set while the credential's status says so."""

    organization_path = "status_list__organization"  # how a row reaches its organisation (courses/access/tenancy.py)

    status_list = models.ForeignKey(StatusList, on_delete=models.PROTECT, related_name="entries")
    index = models.PositiveIntegerField()
    credential = models.ForeignKey(Credential, on_delete=models.PROTECT, related_name="status_entries")
    purpose = models.CharField(max_length=10, choices=StatusList.Purpose.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["status_list", "index"]
        constraints = [
            models.UniqueConstraint(fields=["status_list", "index"], name="status_entry_unique_index"),
            models.UniqueConstraint(fields=["credential", "purpose"], name="status_entry_one_per_purpose"),
        ]

    def __str__(self):
        return f"{self.status_list}#{self.index}"
