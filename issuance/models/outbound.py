"""Outbound connections (badge platforms, CRMs, webhook subscribers) and one row per delivery to them."""

from django.db import models

from courses.models import Achievement, Organization


class Connection(models.Model):
    """One organisation's account on an outside system, or one webhook subscription.

    `settings` holds what the kind declares (validated by `issuance.outbound.connection_settings_clean`);
    the secret (token, password, client secret, whsec_ key) is only ever stored encrypted.
    """

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, verbose_name="organisation", related_name="connections")
    kind = models.CharField(max_length=20, help_text="credly, badgr, accredible, hubspot, salesforce or webhook.")
    name = models.CharField(max_length=100, help_text="Tells two connections of one kind apart.")
    enabled = models.BooleanField(default=True)
    settings = models.JSONField(default=dict, blank=True)
    secret_encrypted = models.TextField(blank=True, editable=False)
    failing_since = models.DateTimeField(
        null=True, blank=True, help_text="First failure since the last success (webhooks are disabled after 3 days)."
    )
    disabled_reason = models.TextField(blank=True)
    # The latest failed call's error, kept here so the dashboard reads it per connection without walking deliveries.
    last_error = models.TextField(blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    # When the staff digest said this connection is unhealthy: once per spell of failing (failing_since after it: not yet).
    unhealthy_notified_at = models.DateTimeField(null=True, blank=True)
    last_test_at = models.DateTimeField(null=True, blank=True)
    last_test_result = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["organization__name", "kind", "name"]
        constraints = [models.UniqueConstraint(fields=["organization", "kind", "name"], name="connection_unique_name")]

    def __str__(self):
        # "Credly (harbour)", or "Team alerts (harbour, slack)" when the name does not say the kind.
        kind = "" if self.kind.lower() in self.name.lower() else f", {self.kind}"
        return f"{self.name} ({self.organization.slug}{kind})"


class ConnectionMapping(models.Model):
    """Which template / badge class / group on the platform stands for one of our achievements."""

    organization_path = "connection__organization"  # how a row reaches its organisation (courses/access/tenancy.py)

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="mappings")
    achievement = models.ForeignKey(Achievement, on_delete=models.CASCADE, related_name="+")
    remote_id = models.CharField(max_length=200)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["connection", "achievement"], name="mapping_unique_achievement")]

    def __str__(self):
        return f"{self.achievement} → {self.remote_id}"

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.achievement_id and self.connection_id and self.achievement.organization_id != self.connection.organization_id:
            raise ValidationError({"achievement": "Map an achievement of the connection's own organisation."})


class OutboundDelivery(models.Model):
    """One (credential, connection, action): recorded before the call, its outcome after, retried on its own."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Skipped (nothing to do)"

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, verbose_name="organisation", related_name="outbound_deliveries")
    connection = models.ForeignKey(Connection, on_delete=models.PROTECT, related_name="deliveries")
    issuance = models.ForeignKey("issuance.Issuance", on_delete=models.PROTECT, related_name="outbound_deliveries")
    credential = models.ForeignKey(
        "issuance.Credential", on_delete=models.PROTECT, null=True, blank=True, related_name="outbound_deliveries"
    )
    action = models.CharField(max_length=40, help_text="The event it carries, e.g. credential.issued.")
    idempotency_key = models.CharField(max_length=200, unique=True)
    payload = models.JSONField(default=dict, blank=True, help_text="What was decided to send, frozen for every retry.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True)
    sending_started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome_unknown = models.BooleanField(
        default=False, help_text="An attempt may have reached the system: look the record up before creating it again."
    )
    remote_id = models.CharField(max_length=200, blank=True, db_index=True)
    remote_url = models.URLField(max_length=500, blank=True, help_text="The platform's page or claim link, if any.")
    request_summary = models.TextField(blank=True)
    response_summary = models.TextField(blank=True)
    last_error = models.TextField(blank=True)
    staff_notified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "outbound delivery"
        verbose_name_plural = "outbound deliveries"
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="outbound_due"),
            # The staff digest's "failed and not yet announced": partial, only those rows, never the history (#28).
            models.Index(fields=["status", "staff_notified_at", "organization", "created_at"], name="outbound_unannounced_idx",
                         condition=models.Q(status="failed", staff_notified_at__isnull=True)),
            # The sweep's "queued, oldest first": the queued rows only, in order, not the history by date.
            models.Index(fields=["status", "created_at"], name="outbound_queued_idx"),
            # The dashboard's card per connection: delivered today, waiting, failed, each a range of this index.
            models.Index(fields=["connection", "status", "finished_at"], name="outbound_connection_status_idx"),
        ]

    def __str__(self):
        return f"{self.action} → {self.connection.kind} “{self.connection.name}” ({self.status})"


class OutboundFailure(OutboundDelivery):
    """The deliveries that gave up: staff's list to fix the cause and retry them."""

    class Meta:
        proxy = True
        verbose_name = "outbound failure"
        verbose_name_plural = "outbound failures"
