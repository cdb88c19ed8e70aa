"""The append-only audit log: every state change, who or what made it, and from which event."""

from django.conf import settings
from django.db import models


class AuditRecord(models.Model):
    class ActorKind(models.TextChoices):
        SOURCE = "source", "Source"
        SYSTEM = "system", "System"
        STAFF = "staff", "Staff"
        LEARNER = "learner", "Learner"  # on their own page (/me), signed in by an emailed link

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    issuance = models.ForeignKey("issuance.Issuance", on_delete=models.PROTECT, null=True, blank=True, related_name="audit_records")
    event = models.ForeignKey("issuance.CompletionEvent", on_delete=models.PROTECT, null=True, blank=True, related_name="audit_records")
    # Whose record this is, so each organisation's staff see only theirs. Empty on records written
    # before organisations were recorded (their issuance or event says) and on installation-wide ones.
    organization = models.ForeignKey("courses.Organization", on_delete=models.PROTECT, verbose_name="organisation", null=True, blank=True,
                                      related_name="audit_records")
    from_state = models.CharField(max_length=20, blank=True)
    to_state = models.CharField(max_length=20)
    actor_kind = models.CharField(max_length=10, choices=ActorKind.choices)
    actor_user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    actor_label = models.CharField(max_length=200, help_text="The source slug, 'system', or the staff username.")
    detail = models.TextField(blank=True)
    # The tamper-evident chain (audit/chain.py): the hash of the record before this one, and of this
    # record's content including that hash. Editing, removing or inserting a row breaks the chain.
    previous_hash = models.CharField(max_length=64, blank=True, editable=False)
    record_hash = models.CharField(max_length=64, blank=True, editable=False)
    # The chain covers a salted digest of `detail`, not the text (ADR 0007): a learner's erasure can
    # rewrite the text of their records (`audit.redaction`) and the chain still verifies. The salt
    # goes with the original text, so the digest cannot be used to guess what it said.
    detail_salt = models.CharField(max_length=32, blank=True, editable=False)
    detail_digest = models.CharField(max_length=64, blank=True, editable=False)
    redacted_by = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, editable=False,
                                    related_name="redacted", help_text="The erasure record that rewrote this detail.")

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.from_state or '∅'} → {self.to_state} by {self.actor_label}"

    @staticmethod
    def organization_scope(queryset, organizations):
        """The records of `organizations`: by their own organisation, or (records from before it was
        recorded) by their issuance's or their event's source's. Used by the scoping of every staff view."""
        older = models.Q(organization__isnull=True) & (
            models.Q(issuance__organization__in=organizations) | models.Q(event__source__organization__in=organizations))
        return queryset.filter(models.Q(organization__in=organizations) | older)

    def save(self, *args, **kwargs):
        if self.pk:
            raise PermissionError("Audit records are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Audit records are append-only.")


class AuditChainHead(models.Model):
    """One row: the newest chained record. Appending locks it, so concurrent writers chain in turn,
    and it tells `audit_verify` whether records were cut off the end."""

    last_record_id = models.BigIntegerField(null=True)
    last_hash = models.CharField(max_length=64, blank=True)
    length = models.BigIntegerField(default=0)

    def save(self, *args, **kwargs):
        self.pk = 1
        super().save(*args, **kwargs)
