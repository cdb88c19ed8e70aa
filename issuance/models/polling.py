"""What polling a source remembers: where each poll got to, and whether the source may be polled."""

from django.db import models

from .intake import Source


class PollCursor(models.Model):
    """Where polling one source's scope (a mapped course, or an LRS verb) got to.

    `position` is what the next poll asks from (an LRS `stored` time, a TalentLMS completion time);
    `resume` is the page a poll stopped on before the end (a `more` URL, a page number, a `Link`),
    so the next poll starts there; `seen` holds the learners whose completion is already stored,
    for APIs that cannot be asked "completed since" (Canvas, Moodle).
    """

    organization_path = "source__organization"  # how a row reaches its organisation (courses/access/tenancy.py)

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="poll_cursors")
    scope = models.CharField(max_length=300, help_text="The mapped course's id at the source (or, for an LRS, the verb).")
    position = models.CharField(max_length=100, blank=True)
    resume = models.JSONField(null=True, blank=True, help_text="The page an unfinished poll stopped on.")
    seen = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["source", "scope"], name="poll_cursor_unique_scope")]

    def __str__(self):
        return f"{self.source.slug}:{self.scope} @ {self.position or 'start'}"


class SourcePoll(models.Model):
    """A polled source's state: the lease that makes one poll at a time, and the outcome staff see."""

    organization_path = "source__organization"  # how a row reaches its organisation (courses/access/tenancy.py)

    class Status(models.TextChoices):
        IDLE = "idle", "Polling normally"
        BACKING_OFF = "backing_off", "Backing off after an error"
        PARKED = "parked", "Parked: fix the credentials, then resume"

    source = models.OneToOneField(Source, on_delete=models.CASCADE, related_name="poll")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.IDLE, db_index=True)
    last_error = models.TextField(blank=True)
    failures = models.PositiveIntegerField(default=0, help_text="Transient errors in a row.")
    next_poll_after = models.DateTimeField(null=True, blank=True, help_text="Backing off (or a rate limit) until then.")
    last_poll_at = models.DateTimeField(null=True, blank=True)
    last_poll_summary = models.CharField(max_length=300, blank=True)
    parked_at = models.DateTimeField(null=True, blank=True)
    staff_notified_at = models.DateTimeField(null=True, blank=True, help_text="When a staff digest announced the parking.")
    # The lease: a poll holds it until it ends or lease_until passes (a crashed worker's lease expires).
    lease_holder = models.CharField(max_length=64, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"{self.source.slug}: {self.get_status_display()}"
