"""A guided course set-up in progress: which course it builds and how far it got, so staff can leave and resume it."""

from django.conf import settings
from django.db import models

from .courses import Course
from .organizations import Organization


class CourseSetup(models.Model):
    """One run of "Set up a course". The course it makes stays inactive (and its rules a draft) until `live_at`."""

    class Step(models.TextChoices):
        COURSE = "course", "What it awards and requires"
        LOOK = "look", "Certificate and email"
        SOURCE = "source", "Where completions come from"
        LIVE = "live", "Test and go live"

    class CompletionsFrom(models.TextChoices):
        FILES = "files", "CSV and rosters only"
        SOURCE = "source", "A source"

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="course_setups")
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    course = models.OneToOneField(Course, on_delete=models.CASCADE, null=True, blank=True, related_name="setup")
    step = models.CharField(max_length=10, choices=Step.choices, default=Step.COURSE)
    completions_from = models.CharField(max_length=10, choices=CompletionsFrom.choices, blank=True)
    completions_note = models.CharField(max_length=300, blank=True, help_text="Which source, and the course id it sends.")
    test_event_id = models.UUIDField(null=True, blank=True, help_text="The test completion's event.")
    live_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]

    def __str__(self):
        return f"Set-up of {self.course}" if self.course_id else "A course set-up not yet named"
