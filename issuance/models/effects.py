"""Outside effects (emails now; badge platforms and CRM writes later), recorded before and after."""

from django.db import models


class Effect(models.Model):
    """One outside effect, made at most once per idempotency key once its outcome is recorded done."""

    organization_path = "issuance__organization"  # how a row reaches its organisation (courses/access/tenancy.py)

    class Status(models.TextChoices):
        ATTEMPTING = "attempting", "Attempting (outcome unknown)"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    key = models.CharField(max_length=200, unique=True, help_text="The idempotency key, e.g. credential-email:<uuid>.")
    issuance = models.ForeignKey("issuance.Issuance", on_delete=models.PROTECT, related_name="effects")
    kind = models.CharField(max_length=40)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.ATTEMPTING, db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.TextField(blank=True, help_text="What the transport answered, or the error.")

    class Meta:
        ordering = ["started_at", "id"]

    def __str__(self):
        return f"{self.key} ({self.status})"
