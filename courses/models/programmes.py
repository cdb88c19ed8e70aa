"""Programmes: pathways whose credential is earned by holding other achievements."""

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from simple_history.models import HistoricalRecords

from ..validators import validate_course_code
from .courses import Course
from .organizations import Achievement, Organization


class Programme(models.Model):
    """A pathway: "complete First Aid, Fire Safety and Manual Handling and you are a Safety Officer".

    Its credential issues through its own course (`course`), whose achievement, certificate template
    and email are the programme's, so the pipeline issues it as it issues any course's credential.
    The requirement: every constituent marked `required`, plus `required_count` of the others (empty:
    all of them); optionally all within `within_days` of each other; optionally only constituents
    whose credentials are still valid.
    """

    class OnConstituentRevoked(models.TextChoices):
        KEEP = "keep", "keep the programme credential"
        SUSPEND = "suspend", "suspend the programme credential"
        REVOKE = "revoke", "revoke the programme credential"

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, verbose_name="organisation", related_name="programmes")
    code = models.CharField(max_length=64, validators=[validate_course_code], help_text="Unique within the organisation.")
    name = models.CharField(max_length=300)
    course = models.OneToOneField(
        Course, on_delete=models.PROTECT, related_name="programme", editable=False,
        help_text="The course the programme's credential issues through: its achievement, template and email.",
    )
    required_count = models.PositiveSmallIntegerField(
        "at least", null=True, blank=True, validators=[MinValueValidator(1)],
        help_text="How many of the constituents not marked required the learner must hold. Empty: all of them.",
    )
    within_days = models.PositiveIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1)],
        help_text="Counted constituents must all have been issued within this many days of each other. Empty: any time.",
    )
    only_while_valid = models.BooleanField(
        default=False, help_text="Count only constituent credentials that are still valid (not expired or suspended).",
    )
    ordered = models.BooleanField(
        "taken in order", default=False,
        help_text="The constituents form a sequence, in their order: a learner record (CLR) says each precedes the next.",
    )
    on_constituent_revoked = models.CharField(
        "when a constituent is revoked or expires", max_length=8, choices=OnConstituentRevoked.choices,
        default=OnConstituentRevoked.KEEP,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["organization__name", "code"]
        constraints = [models.UniqueConstraint(fields=["organization", "code"], name="programme_unique_code")]

    def __str__(self):
        return f"{self.code} — {self.name}"

    @property
    def achievement(self) -> Achievement:
        return self.course.achievement

    @property
    def requirement_label(self) -> str:
        constituents = list(self.constituents.all())
        required = [c for c in constituents if c.required]
        optional = len(constituents) - len(required)
        parts = []
        if required:
            parts.append(", ".join(c.achievement.name for c in required))
        if optional:
            count = self.required_count or optional
            parts.append("all of the rest" if required and count == optional else
                         ("all" if count == optional else f"{count} of {optional}"))
        label = " plus ".join(parts) or "nothing yet"
        if self.within_days:
            label += f", within {self.within_days} days"
        return label


class ProgrammeConstituent(models.Model):
    """One achievement a programme counts; `required` ones must be held whatever the count says."""

    organization_path = "programme__organization"  # how a row reaches its organisation (courses/access/tenancy.py)

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="constituents")
    achievement = models.ForeignKey(Achievement, on_delete=models.PROTECT, related_name="programme_constituents")
    required = models.BooleanField(default=False, help_text="Must be held, whatever the count says.")
    position = models.PositiveSmallIntegerField(default=0, help_text="The order learners see the constituents in.")

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["programme", "achievement"], name="programme_constituent_unique")]

    def __str__(self):
        return str(self.achievement)

    def clean(self):
        if self.programme_id and self.achievement_id:
            if self.achievement.organization_id != self.programme.organization_id:
                raise ValidationError({"achievement": "This achievement belongs to another organisation."})
            if self.achievement_id == self.programme.course.achievement_id:
                raise ValidationError({"achievement": "A programme cannot count its own achievement."})
