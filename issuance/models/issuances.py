"""Learners, the issuance state machine's rows, and the credentials they produce."""

import uuid

from django.conf import settings
from django.db import models

from courses.models import Achievement, Course, Organization, RuleSetVersion

from .intake import CompletionEvent, Source


class Learner(models.Model):
    """A person, per organisation, matched by normalised email."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, verbose_name="organisation", related_name="learners")
    email = models.EmailField(max_length=320)
    name = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    erased_at = models.DateTimeField(
        null=True, blank=True, editable=False,
        help_text="When their personal data was erased at their request (issuance.privacy); the row is a pseudonym since.",
    )

    class Meta:
        ordering = ["organization__name", "email"]
        constraints = [models.UniqueConstraint(fields=["organization", "email"], name="learner_unique_email")]
        # The learner's data rights (issuance.privacy): granted explicitly, like revoking.
        permissions = [("export_learner", "Can export a learner's data"), ("erase_learner", "Can erase a learner's data")]

    def __str__(self):
        return f"{self.name} <{self.email}>"


class LearnerIdentity(models.Model):
    """The id a source knows a learner by."""

    organization_path = "learner__organization"  # how a row reaches its organisation (courses/access/tenancy.py)

    learner = models.ForeignKey(Learner, on_delete=models.CASCADE, related_name="identities")
    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="+")
    external_id = models.CharField(max_length=300)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["source", "external_id"], name="identity_unique_per_source")]


class Issuance(models.Model):
    """One learner's way from a completion to a delivered credential, one committed step at a time."""

    class State(models.TextChoices):
        VALIDATED = "validated", "Validated"
        ELIGIBLE = "eligible", "Eligible"
        INELIGIBLE = "ineligible", "Ineligible"
        DUPLICATE = "duplicate", "Duplicate"
        RENDERED = "rendered", "Rendered"
        BADGED = "badged", "Badged"
        DELIVERED = "delivered", "Delivered"
        SYNCED = "synced", "Synced"
        PARKED = "parked", "Parked"
        REVOKED = "revoked", "Revoked"
        EXPIRED = "expired", "Expired"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, verbose_name="organisation", related_name="issuances")
    learner = models.ForeignKey(Learner, on_delete=models.PROTECT, related_name="issuances")
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="issuances")
    achievement = models.ForeignKey(Achievement, on_delete=models.PROTECT, related_name="issuances")
    event = models.ForeignKey(
        CompletionEvent, on_delete=models.PROTECT, null=True, blank=True, related_name="issuances"
    )
    ruleset_version = models.ForeignKey(RuleSetVersion, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    learner_name = models.CharField(max_length=200, help_text="The name as it will appear on the credential.")
    completion = models.JSONField(help_text="The normalised completion this issuance decides on.")
    language = models.CharField(
        max_length=16, default="en", help_text="The language of everything the learner receives for this issuance."
    )
    language_requested = models.CharField(
        max_length=35, blank=True,
        help_text="The language the completion named, as sent (canonical case); empty if it named none. When it differs "
                  "from the language used, Laurel ships no translation for it and fell back to the course's or organisation's.",
    )
    state = models.CharField(max_length=12, choices=State.choices, default=State.VALIDATED, db_index=True)
    reasons = models.JSONField(default=list, blank=True, help_text="Why it is ineligible or a duplicate.")
    failed_step = models.CharField(max_length=12, blank=True)
    error = models.TextField(blank=True)
    park_reason = models.CharField(
        max_length=60, blank=True, help_text="Why it is parked, as a code staff filter on (score_missing); empty if not given."
    )
    staff_notified_at = models.DateTimeField(null=True, blank=True, help_text="When a staff digest listed this parking.")
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    state_changed_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # A worker's lease on this row: claimed with a conditional UPDATE, so two workers never run one
    # step at once; a lease left by a killed worker simply runs out.
    claim_token = models.CharField(max_length=32, blank=True, editable=False)
    claimed_until = models.DateTimeField(null=True, blank=True, editable=False)
    finished_at = models.DateTimeField(
        null=True, blank=True, db_index=True, help_text="When it reached a final state and its last email went out."
    )
    # Set only by a credential issued by hand with the override permission: the decision issues even if the rules say no.
    rules_overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        help_text="The staff member who asked to issue even if the rules say no.",
    )
    rules_override_reason = models.TextField(blank=True, help_text="Why they overrode the rules.")
    # Off only when staff chose to issue without emailing (a programme backfill): the credential is issued
    # and shown on the learner's page, and no email (credential, copies, "what you still need") is sent.
    notify_learner = models.BooleanField(
        default=True, help_text="Email the learner (and any copies). Off when staff chose to issue without emailing.",
    )

    class Meta:
        ordering = ["-created_at"]
        # Beyond change_: resuming re-runs outside effects (email, badge), so it is a role of its own.
        permissions = [("resume_issuance", "Can resume a parked issuance")]
        indexes = [
            models.Index(fields=["finished_at", "state_changed_at"], name="issuance_waiting_idx"),
            # The dashboard's windows (credentials_site/admin/dashboard.py), covering what they read: completions
            # per course per day, and counts by state per organisation (parked, ineligible in 30 days).
            models.Index(fields=["organization", "created_at", "course"], name="issuance_org_created_idx"),
            models.Index(fields=["state", "organization", "created_at"], name="issuance_state_created_idx"),
            # The staff digest's "parked and not yet announced": partial, so it holds only those rows, never the
            # parked issuances announced before nor the history (#28).
            models.Index(fields=["state", "staff_notified_at", "organization", "state_changed_at"],
                         name="issuance_unannounced_idx", condition=models.Q(state="parked", staff_notified_at__isnull=True)),
        ]

    def __str__(self):
        return f"{self.learner_name} — {self.course.code} ({self.state})"


class Credential(models.Model):
    """What an eligible issuance produces. Its id is public and unguessable."""

    organization_path = "issuance__organization"  # how a row reaches its organisation (courses/access/tenancy.py)

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        SUSPENDED = "suspended", "Suspended"
        REVOKED = "revoked", "Revoked"
        EXPIRED = "expired", "Expired"
        SUPERSEDED = "superseded", "Superseded (renewed or replaced)"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    issuance = models.OneToOneField(Issuance, on_delete=models.PROTECT, related_name="credential")
    learner = models.ForeignKey(Learner, on_delete=models.PROTECT, related_name="credentials")
    achievement = models.ForeignKey(Achievement, on_delete=models.PROTECT, related_name="credentials")
    issued_at = models.DateTimeField(db_index=True)  # the dashboard's "issued today / 7 / 30 days"
    valid_from = models.DateTimeField()
    valid_until = models.DateTimeField(null=True, blank=True, db_index=True)  # upcoming expiries
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE, db_index=True)
    status_reason = models.TextField(blank=True)
    replaces = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="replaced_by")
    pdf = models.FileField(upload_to="credentials/%Y/%m/", blank=True)
    pdf_sha256 = models.CharField(max_length=64, blank=True)
    template_version = models.PositiveIntegerField(null=True, blank=True)
    badge = models.JSONField(null=True, blank=True, help_text="The signed Open Badges 3.0 credential, as issued.")
    holder_hidden_at = models.DateTimeField(
        null=True, blank=True, editable=False,
        help_text="When the learner hid it from its public page (/me): the page and verification then withhold the details.",
    )

    class Meta:
        ordering = ["-issued_at"]
        # What the public page and status list say: granted explicitly, the same in the admin and the API.
        permissions = [
            ("revoke_credential", "Can revoke a credential"),
            ("suspend_credential", "Can suspend a credential"),
            ("unsuspend_credential", "Can restore a suspended credential"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "achievement"],
                condition=models.Q(status__in=["active", "suspended"]),
                name="one_live_credential_per_achievement",
            )
        ]
        indexes = [
            # The dashboard's windows, covering what they read (credentials_site/admin/dashboard.py): credentials
            # issued in 30 days per organisation, and active ones ending in the next 90 days.
            models.Index(fields=["issued_at", "achievement"], name="credential_issued_idx"),
            models.Index(fields=["status", "valid_until", "achievement"], name="credential_expiry_idx"),
            # "Not renewed yet" (replaced_by is null) is a lookup by replaces_id. Almost every credential has
            # none, so once SQLite has statistics (ANALYZE) the foreign key's index looks like one key matching
            # every row and the planner scanned the table once per candidate (221 s for reminder planning's
            # 500 candidates at a million issuances); this index holds only the renewals, its statistics true.
            models.Index(fields=["replaces"], name="credential_replaced_idx", condition=models.Q(replaces__isnull=False)),
        ]

    def __str__(self):
        return f"{self.achievement.name} for {self.learner.name}"
