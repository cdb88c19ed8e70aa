"""What sends completions to Laurel, and every event it sent, stored raw before parsing."""

import uuid

from django.core.validators import MinValueValidator
from django.db import models
from simple_history.models import HistoricalRecords

from courses.keys.fields import EncryptedJSONField, EncryptedSecretField
from courses.models import Course, Organization


class Source(models.Model):
    """One connection that sends completions: an LMS webhook, a CSV upload channel or a form."""

    class Dialect(models.TextChoices):
        GENERIC = "generic", "Generic JSON"
        MOODLE = "moodle", "Moodle (local_webhooks)"
        CANVAS = "canvas", "Canvas Live Events"
        THINKIFIC = "thinkific", "Thinkific"
        TEACHABLE = "teachable", "Teachable"
        XAPI = "xapi", "xAPI statements"
        LEARNDASH = "learndash", "LearnDash (WordPress plugin)"
        TALENTLMS = "talentlms", "TalentLMS (polled)"
        MAPPED = "mapped", "Mapped (any sender, by a mapping)"
        GOOGLE_FORMS = "google_forms", "Google Forms (Apps Script)"
        CORNERSTONE = "cornerstone", "Cornerstone OnDemand (Edge webhooks)"
        DOCEBO = "docebo", "Docebo (webhooks)"
        KAJABI = "kajabi", "Kajabi (tag_added hook)"

    class CourseMatching(models.TextChoices):
        BY_CODE = "code", "By course code"
        BY_MAPPING = "mapping", "By the mapping table"

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, verbose_name="organisation", related_name="sources")
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True, help_text="Appears in the webhook URL.")
    dialect = models.CharField(max_length=20, choices=Dialect.choices, default=Dialect.GENERIC)
    is_active = models.BooleanField(default=True)
    # Encrypted at rest (courses/keys/fields.py); 200 characters is what a form or the API accepts.
    signing_secret = EncryptedSecretField(
        max_length=200,
        blank=True,
        help_text="What the dialect authenticates with: whsec_… (generic, learndash), the shared token (moodle), "
        "the API key (thinkific; talentlms, which Laurel polls with it), the HMAC secret (teachable) or the password (xapi).",
    )
    signing_secret_next = EncryptedSecretField(
        max_length=200, blank=True,
        help_text="A second accepted secret: a new one while the sender rotates to it, or the previous one after "
        "'Generate a new secret'. Clear it once the LMS sends with the main secret.",
    )
    settings = models.JSONField(default=dict, blank=True, help_text="The dialect's own settings (not secret).")
    secret_settings = EncryptedJSONField(
        default=dict, blank=True, help_text="The dialect's secret settings (e.g. a web-services token); never shown, kept encrypted."
    )
    course_matching = models.CharField(max_length=10, choices=CourseMatching.choices, default=CourseMatching.BY_CODE)
    rate_limit_per_minute = models.PositiveIntegerField(
        default=600, help_text="Events accepted per minute (a request of 10 statements counts 10); more are answered 429 "
        "so the sender retries later."
    )
    max_events_per_request = models.PositiveIntegerField(
        default=100, validators=[MinValueValidator(1)],
        help_text="Events one request may carry (an xAPI batch, say); a request with more is answered 413 and nothing of it is stored.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords(excluded_fields=["signing_secret", "signing_secret_next", "secret_settings"])

    class Meta:
        ordering = ["organization__name", "name"]

    def __str__(self):
        return f"{self.name} ({self.slug})"


class SourceCourseMapping(models.Model):
    organization_path = "source__organization"  # how a row reaches its organisation (courses/access/tenancy.py)

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="course_mappings")
    external_id = models.CharField(max_length=300, help_text="The course id as the source sends it.")
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["source", "external_id"], name="mapping_unique_external_id")]

    def __str__(self):
        return f"{self.external_id} → {self.course.code}"


class CompletionEvent(models.Model):
    """One completion as received: the raw bytes first, then what was made of them."""

    organization_path = "source__organization"  # how a row reaches its organisation (courses/access/tenancy.py)

    class Status(models.TextChoices):
        ACCEPTED = "accepted", "Accepted"
        PARKED = "parked", "Parked"
        PROCESSED = "processed", "Processed"
        DISCARDED = "discarded", "Discarded"
        # Genuine, authenticated, but not a completion (another topic or verb): kept and counted.
        IGNORED = "ignored", "Ignored"

    class Channel(models.TextChoices):
        WEBHOOK = "webhook", "Webhook"
        CSV = "csv", "CSV upload"
        FORM = "form", "Form"
        POLL = "poll", "Poll"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="events")
    external_id = models.CharField(max_length=300, help_text="webhook-id, or the file and row for a CSV.")
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.WEBHOOK)
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    headers = models.JSONField(default=dict, blank=True)
    body = models.BinaryField()
    # Who completed what (and when, where the sender says it), the same whether a webhook or a poll brought
    # it: a sender whose two paths give one completion different ids (Docebo, Cornerstone) is looked up
    # by this, one indexed question, not by reading stored bodies.
    completion_key = models.CharField(
        max_length=300, blank=True, default="", help_text="The completion as its sender names it on every path (learner, course, time)."
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACCEPTED, db_index=True)
    errors = models.JSONField(default=list, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    discarded_reason = models.TextField(blank=True)
    ignored_reason = models.CharField(max_length=300, blank=True, help_text="Why this event is not a completion.")
    # Long enough for every code Laurel gives whole (`moodle_nopermissiontoviewgrades` is 31): a code cut
    # short filters as a different reason.
    park_reason = models.CharField(
        max_length=60, blank=True, db_index=True, help_text="The field behind the first error, for filtering the queue."
    )
    parked_at = models.DateTimeField(null=True, blank=True, db_index=True)
    corrections = models.JSONField(
        default=dict, blank=True, help_text="Fields a staff member corrected; they override what the source sent."
    )
    learner_label = models.CharField(
        max_length=300, blank=True, default="",
        help_text="Who the event is about, as read from it (name and address), so the queue and the digest say who.",
    )
    staff_notified_at = models.DateTimeField(null=True, blank=True, help_text="When a staff digest listed this event.")
    failures = models.PositiveSmallIntegerField(
        default=0, help_text="Unexpected errors while processing it; at LAUREL_POISON_FAILURES it is parked."
    )
    enrichment_attempts = models.PositiveSmallIntegerField(
        default=0, help_text="Tries at the sender's API (Moodle web services) that failed for a passing reason."
    )
    next_attempt_at = models.DateTimeField(
        null=True, blank=True, help_text="When the worker asks the sender's API again (LAUREL_ENRICHMENT_RETRY_SECONDS)."
    )

    class Meta:
        ordering = ["-received_at"]
        constraints = [models.UniqueConstraint(fields=["source", "external_id"], name="event_unique_per_source")]
        indexes = [
            # The staff digest's "parked and not yet announced" (partial: only what waits for a person, never the
            # events announced before), and the oldest event still waiting (the sweep, /healthz): each reads only
            # the rows it is about, whatever the history (#28).
            models.Index(fields=["status", "staff_notified_at", "source", "parked_at"], name="event_unannounced_idx",
                         condition=models.Q(status="parked", staff_notified_at__isnull=True)),
            models.Index(fields=["status", "received_at"], name="event_status_received_idx"),
            # Retention's "bodies still kept": the daily run reads only those, not the year it already emptied.
            models.Index(fields=["received_at"], name="event_body_kept_idx", condition=~models.Q(body=b"")),
            # A poller's "did the webhook bring this already?" (sources/polling.py webhook_copy_known): only the
            # events of senders that name their completions are in it.
            models.Index(fields=["source", "completion_key"], name="event_completion_key_idx", condition=~models.Q(completion_key="")),
        ]

    def __str__(self):
        return f"{self.source.slug}:{self.external_id}"

    @property
    def completion(self) -> dict | None:
        """The completion made of this event, as its issuance stores it (the one stored copy), or None."""
        issuance = self.issuances.order_by("created_at").first()
        return issuance.completion if issuance else None


class ParkedEvent(CompletionEvent):
    """The exception queue: the same rows, seen as the parked events staff must look at."""

    class Meta:
        proxy = True
        verbose_name = "parked event"
        verbose_name_plural = "parked events"  # "0 parked events", not "0 exception queue"; the page is titled Exception queue


class StaffDigest(models.Model):
    """One exception digest sent to an organisation's staff; the latest one paces the next."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, verbose_name="organisation", related_name="+")
    sent_at = models.DateTimeField(db_index=True)
    event_count = models.PositiveIntegerField()
    recipient = models.EmailField()

    class Meta:
        ordering = ["-sent_at"]

    def __str__(self):
        return f"{self.organization} digest of {self.event_count} at {self.sent_at:%Y-%m-%d %H:%M}"
