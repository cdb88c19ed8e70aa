"""What the credential lifecycle remembers: each renewal reminder sent, at most one per offset."""

from django.db import models

from .issuances import Credential
from .outbox import OutboxMessage


class RenewalReminder(models.Model):
    """One (credential, offset) reminder. Inserting the row is the claim: a second run, or another
    machine running at the same moment, hits the unique constraint and sends nothing."""
    organization_path = "credential__issuance__organization"  # how a row reaches its organisation (courses/access/tenancy.py)

    class Outcome(models.TextChoices):
        QUEUED = "queued", "Handed to the outbox"
        SKIPPED = "skipped", "Skipped: a later reminder was due"

    credential = models.ForeignKey(Credential, on_delete=models.PROTECT, related_name="renewal_reminders")
    offset_days = models.IntegerField(help_text="Days before expiry (negative: after).")
    due_on = models.DateField(help_text="The day, in the organisation's time zone, this reminder was due.")
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    message = models.ForeignKey(OutboxMessage, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["credential", "offset_days"], name="renewal_reminder_once_per_offset")
        ]

    def __str__(self):
        return f"{self.credential_id} at {self.offset_days} days ({self.outcome})"


class SignedBadgeRevision(models.Model):
    """A signed Open Badges document a reissue replaced, kept whole (the audit record names it and its SHA-256)."""

    organization_path = "credential__issuance__organization"  # how a row reaches its organisation (courses/access/tenancy.py)

    credential = models.ForeignKey(Credential, on_delete=models.PROTECT, related_name="badge_revisions")
    document = models.JSONField(help_text="The signed credential exactly as it was issued before the reissue.")
    sha256 = models.CharField(max_length=64)
    reason = models.TextField()
    replaced_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-replaced_at"]

    def __str__(self):
        return f"{self.credential_id} before {self.replaced_at:%Y-%m-%d %H:%M}"
