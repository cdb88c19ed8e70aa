"""Courses: what a learner completes, and what completing it awards."""

from django.core.exceptions import ValidationError
from django.db import models
from simple_history.models import HistoricalRecords

from ..templating.languages import LANGUAGE_CHOICES, language_resolve
from ..validators import validate_course_code
from .copies import CopySettings
from .organizations import Achievement, Organization
from .rules import RuleSet
from .templates import CertificateTemplate, EmailTemplate

class Course(CopySettings):
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, verbose_name="organisation", related_name="courses")
    code = models.CharField(max_length=64, validators=[validate_course_code], help_text="Unique within the organisation; LMS course ids map to it.")
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    is_active = models.BooleanField(default=True, help_text="Inactive courses issue nothing; their completions are parked.")
    achievement = models.ForeignKey(Achievement, on_delete=models.PROTECT, related_name="courses")
    ruleset = models.ForeignKey(
        RuleSet, on_delete=models.PROTECT, null=True, blank=True, related_name="courses",
        help_text="Empty: completing the course is enough.",
    )
    certificate_template = models.ForeignKey(
        CertificateTemplate, on_delete=models.PROTECT, null=True, blank=True, related_name="courses",
        help_text="Empty: the organisation's first certificate template.",
    )
    email_template = models.ForeignKey(
        EmailTemplate, on_delete=models.PROTECT, null=True, blank=True, related_name="courses",
        limit_choices_to={"kind": EmailTemplate.Kind.CREDENTIAL},
        help_text="Empty: the organisation's credential email.",
    )
    next_course = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        help_text="The course the credential email invites the learner to next.",
    )
    language = models.CharField(
        "learners' language", max_length=16, choices=LANGUAGE_CHOICES, blank=True,
        help_text="Used when a completion does not name the learner's language. Empty: the organisation's.",
    )
    url = models.URLField("course page", blank=True, help_text="Where learners find and book this course.")
    sending_paused = models.BooleanField(
        default=False, help_text="Hold this course's emails to learners in the outbox (e.g. while checking a new template "
                                 "or a large import); release them from the outbox in one action.",
    )
    renewal_url = models.URLField(
        "renewal page", blank=True, help_text="Where renewal reminders send learners. Empty: the course page.",
    )
    retake_url = models.URLField(
        "retake page", blank=True,
        help_text="Where a learner who did not meet the requirements books a retake; linked from the "
                  "“what you still need” email. Empty: no link.",
    )
    copies_own = models.BooleanField(
        "own copy settings", default=False,
        help_text="Use this course's copy settings below instead of the organisation's.",
    )
    copy_email_template = models.ForeignKey(
        EmailTemplate, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        limit_choices_to={"kind": EmailTemplate.Kind.CREDENTIAL_COPY}, verbose_name="copy email template",
        help_text="Empty: the organisation's credential copy email.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["organization__name", "code"]
        constraints = [models.UniqueConstraint(fields=["organization", "code"], name="course_unique_code")]

    def __str__(self):
        return f"{self.code} — {self.title}"

    def learner_language(self, *, requested: str) -> tuple[str, str]:
        """(the language a learner's credential is in, the note saying why when it is not the one asked for)."""
        return language_resolve(requested=requested, course_language=self.language,
                                organization_language=self.organization.language)

    @property
    def copies_from(self) -> CopySettings:
        """Where this course's copy settings are read: the course when it has its own, else its organisation."""
        return self if self.copies_own else self.organization

    @property
    def renewal_link(self) -> str:
        return self.renewal_url or self.url

    def clean(self):
        errors = {}
        for field in ("achievement", "ruleset", "certificate_template", "email_template", "copy_email_template", "next_course"):
            related = getattr(self, field, None) if getattr(self, f"{field}_id") else None
            if related is not None and self.organization_id and related.organization_id != self.organization_id:
                errors[field] = f"This {self._meta.get_field(field).verbose_name} belongs to another organisation."
        if self.next_course_id and self.pk and self.next_course_id == self.pk:
            errors["next_course"] = "A course cannot invite learners to itself."
        if errors:
            raise ValidationError(errors)
