"""Completions people type in: an in-person session's roster (a draft, then submitted) and one credential by hand.

Each submitted row, and each credential issued by hand, becomes a CompletionEvent on the `form`
channel, so it is validated, parked and decided exactly like an event an LMS sent.
"""

import uuid

from django.conf import settings
from django.db import models

from courses.models import Course

from .intake import CompletionEvent


class Roster(models.Model):
    """The attendance sheet of one in-person session: kept as a draft until its rows are submitted."""

    organization_path = "course__organization"  # how a row reaches its organisation (courses/access/tenancy.py)

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"

    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="+")
    session_date = models.DateField(help_text="The day the session took place: the completion date of every row.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    submitted_at = models.DateTimeField(null=True, blank=True, help_text="When its last rows were submitted.")
    # The page carries both: a new roster's form posted twice finds this roster; a page older than the
    # last save (posted again, or saved meanwhile by someone else) is refused instead of adding its rows twice.
    submission_key = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    revision = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["-session_date", "-created_at"]
        # Roles grant this one permission to the roster page (drafts and submitting), whatever the model's defaults.
        permissions = [("enter_roster", "Can enter and submit in-person session rosters")]

    def __str__(self):
        return f"{self.course.code} on {self.session_date:%d %b %Y}"


class RosterRow(models.Model):
    """One attendee as typed or pasted: the cells verbatim, the problems found, and once submitted its event."""

    organization_path = "roster__course__organization"  # how a row reaches its organisation (courses/access/tenancy.py)

    roster = models.ForeignKey(Roster, on_delete=models.CASCADE, related_name="rows")
    position = models.PositiveIntegerField()
    name = models.CharField(max_length=300, blank=True)
    email = models.CharField(max_length=400, blank=True)
    attendance = models.CharField(max_length=40, blank=True)
    score = models.CharField(max_length=40, blank=True)
    manager_email = models.CharField(
        max_length=400, blank=True, help_text="The attendee's manager, copied on the credential email when the course copies managers.",
    )
    language = models.CharField(
        max_length=40, blank=True, help_text="The attendee's language, a BCP 47 tag such as fr or pt-BR; empty: the course's.",
    )
    errors = models.JSONField(default=list, blank=True, help_text="What the last check found, as field errors.")
    event = models.OneToOneField(CompletionEvent, on_delete=models.PROTECT, null=True, blank=True, related_name="roster_row")
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["roster", "position"]
        constraints = [models.UniqueConstraint(fields=["roster", "position"], name="roster_row_unique_position")]

    def __str__(self):
        return f"{self.roster} row {self.position}: {self.name} <{self.email}>"


class HandIssue(models.Model):
    """One credential a staff member asked for by hand, with their reason; an override of the rules if granted."""

    organization_path = "course__organization"  # how a row reaches its organisation (courses/access/tenancy.py)

    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="+")
    email = models.CharField(max_length=400)
    name = models.CharField(max_length=300)
    completed_on = models.DateField()
    score = models.CharField(max_length=40, blank=True)
    attendance = models.CharField(max_length=40, blank=True)
    reason = models.TextField(help_text="Why this credential is issued by hand; kept in the audit trail.")
    override_rules = models.BooleanField(
        default=False, help_text="Issue even if the course's rules say no (a duplicate of a live credential is still refused)."
    )
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    # Written into the form (hidden) when it is shown: posting the same form twice finds this row instead of issuing again.
    submission_key = models.UUIDField(unique=True, default=uuid.uuid4)
    event = models.OneToOneField(CompletionEvent, on_delete=models.PROTECT, null=True, blank=True, related_name="hand_issue")

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = "credential issued by hand"
        verbose_name_plural = "credentials issued by hand"
        permissions = [
            ("issue_by_hand", "Can issue one credential by hand"),
            ("override_rules", "Can issue a credential by hand even if the rules say no"),
        ]

    def __str__(self):
        return f"{self.course.code} for {self.email} by {self.requested_by}"
