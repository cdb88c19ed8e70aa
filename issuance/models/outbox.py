"""The email outbox: every message is a row before it is sent, and the addresses never to send to."""

from django.db import models

from courses.models import Organization
from courses.templating.email_kinds import EmailKind


class OutboxMessage(models.Model):
    """One email, from the moment it is decided until the provider says what became of it."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed"
        BOUNCED = "bounced", "Bounced"
        COMPLAINED = "complained", "Complained (marked as spam)"
        SUPPRESSED = "suppressed", "Suppressed (address on the suppression list)"
        HELD = "held", "Held (the course's sending is paused)"

    # The catalogue's email kinds, and staff's test sends, which have no template of their own.
    Kind = models.TextChoices(
        "Kind", [(kind.name, (kind.value, kind.label)) for kind in EmailKind] + [("TEST", ("test", "Test message")),
                                                                        ("INVITATION", ("invitation", "Staff invitation"))]
        + [("LEARNER_SIGN_IN", ("learner_sign_in", "Learner page sign-in link")),
           ("LEARNER_DATA", ("learner_data", "Learner's copy of their data")),
           ("NAME_DECLINED", ("name_declined", "Learner's wrong-name report declined"))]
    )

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, verbose_name="organisation", related_name="outbox_messages")
    issuance = models.ForeignKey(
        "issuance.Issuance", on_delete=models.PROTECT, null=True, blank=True, related_name="outbox_messages"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    idempotency_key = models.CharField(
        max_length=200, unique=True, help_text="One email per key, e.g. credential-email:<credential id>."
    )
    recipient = models.EmailField(max_length=320)
    recipient_name = models.CharField(max_length=200, blank=True)
    from_email = models.CharField(max_length=400)
    reply_to = models.CharField(max_length=400, blank=True)
    subject = models.CharField(max_length=300)
    text_body = models.TextField()
    html_body = models.TextField(blank=True)
    headers = models.JSONField(default=dict, blank=True, help_text="Extra headers, e.g. Message-ID, List-Unsubscribe.")
    attachments = models.JSONField(
        default=list, blank=True, help_text="Stored files by reference: storage path, filename, mimetype."
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED, db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True)
    last_error = models.TextField(blank=True)
    provider_message_id = models.CharField(max_length=300, blank=True, db_index=True)
    possible_duplicate = models.BooleanField(
        default=False, help_text="An attempt's outcome was unknown and the message was sent again."
    )
    released_at = models.DateTimeField(
        null=True, blank=True, help_text="When staff released it while its course's sending was paused.",
    )
    failure_recorded_at = models.DateTimeField(
        null=True, blank=True, help_text="When its failure (failed, bounced, complained, suppressed) was put in the audit trail.",
    )
    staff_notified_at = models.DateTimeField(
        null=True, blank=True, help_text="When a staff digest announced its failure.",
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    sending_started_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "outbox message"
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="outbox_due"),
            # The dashboard's failed deliveries and bounces per organisation: SQLite's planner, seeing one
            # status on nearly every row, would otherwise scan the table for a status that has none.
            models.Index(fields=["status", "organization", "created_at"], name="outbox_status_org_idx"),
            # The sweep's "queued, oldest first": the queued rows only, in order, not the history by date (#28).
            models.Index(fields=["status", "created_at"], name="outbox_queued_idx"),
            # The staff digest's emails given up on and not yet announced: a handful of rows, never the history (#28).
            models.Index(fields=["organization"], name="outbox_unannounced_idx",
                         condition=models.Q(failure_recorded_at__isnull=False, staff_notified_at__isnull=True)),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} to {self.recipient} ({self.status})"


class Suppression(models.Model):
    """An address this organisation must not email again: it hard-bounced or its owner complained."""

    class Reason(models.TextChoices):
        HARD_BOUNCE = "hard_bounce", "Hard bounce"
        COMPLAINT = "complaint", "Spam complaint"
        REJECTED = "rejected", "Rejected by the provider"
        MANUAL = "manual", "Added by staff"
        UNSUBSCRIBED = "unsubscribed", "Unsubscribed (one-click or the unsubscribe page)"

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, verbose_name="organisation", related_name="suppressions")
    address = models.EmailField(max_length=320, help_text="Stored lower-case.")
    reason = models.CharField(max_length=12, choices=Reason.choices)
    detail = models.TextField(blank=True, help_text="What the provider said.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["organization", "address"], name="suppression_unique_address")]

    def __str__(self):
        return f"{self.address} ({self.get_reason_display()})"

    def save(self, *args, **kwargs):
        self.address = self.address.strip().lower()
        super().save(*args, **kwargs)
