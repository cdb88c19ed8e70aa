"""The catalogue: who issues, what they teach, what it takes, and how credentials look."""

from datetime import datetime
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from .validators import (
    validate_condition_path,
    validate_course_code,
    validate_hex_color,
    validate_locale,
    validate_timezone,
)

PERCENT = [MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))]


def organization_asset_path(instance, filename: str) -> str:
    organization = instance if isinstance(instance, Organization) else instance.organization
    return f"organizations/{organization.slug}/{filename}"


class Organization(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True, help_text="Used in public URLs; do not change it once issuing.")
    website = models.URLField(blank=True)
    logo = models.ImageField(upload_to=organization_asset_path, blank=True)
    primary_color = models.CharField(max_length=7, default="#1F3A5F", validators=[validate_hex_color])
    accent_color = models.CharField(max_length=7, default="#B8893B", validators=[validate_hex_color])
    sender_name = models.CharField(max_length=200, help_text="Shown as the From name of every email.")
    sender_email = models.EmailField(help_text="An address on a domain you have set up for sending.")
    reply_to = models.EmailField(blank=True)
    notification_email = models.EmailField(help_text="Where staff notices (exception digests) go.")
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    locale = models.CharField(max_length=16, default="en", validators=[validate_locale])
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Achievement(models.Model):
    """A badge definition: what the learner is recognised for, and for how long."""

    class ValidityUnit(models.TextChoices):
        DAYS = "days", "days"
        MONTHS = "months", "months"
        YEARS = "years", "years"

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="achievements")
    name = models.CharField(max_length=200)
    description = models.TextField()
    criteria_narrative = models.TextField(help_text="What a learner did to earn this, in plain words.")
    image = models.ImageField(upload_to=organization_asset_path, blank=True)
    tags = models.CharField(max_length=500, blank=True, help_text="Skills and tags, separated by commas.")
    validity_amount = models.PositiveIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1)], help_text="Leave empty if it never expires."
    )
    validity_unit = models.CharField(max_length=10, choices=ValidityUnit.choices, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["organization__name", "name"]
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="achievement_unique_name")]

    def __str__(self):
        return self.name

    @property
    def tag_list(self) -> list[str]:
        return [tag.strip() for tag in self.tags.split(",") if tag.strip()]

    @property
    def validity_label(self) -> str:
        if not self.validity_amount:
            return "never expires"
        return f"{self.validity_amount} {self.validity_unit}"

    def clean(self):
        if bool(self.validity_amount) != bool(self.validity_unit):
            raise ValidationError("Give both a validity amount and a unit, or neither for a credential that never expires.")

    def valid_until(self, start: datetime) -> datetime | None:
        if not self.validity_amount:
            return None
        return start + relativedelta(**{self.validity_unit: self.validity_amount})


class RuleSet(models.Model):
    """What a course requires. Its versions are the history of those requirements."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="rulesets")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["organization__name", "name"]
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="ruleset_unique_name")]

    def __str__(self):
        return self.name

    @property
    def current_version(self) -> "RuleSetVersion | None":
        return self.versions.order_by("-number").first()


class FrozenVersionError(ValidationError):
    pass


class RuleSetVersion(models.Model):
    """One edition of a rule set. Once it has decided an issuance it is frozen: edits make a new version."""

    ruleset = models.ForeignKey(RuleSet, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(editable=False)
    min_score = models.DecimalField(
        max_digits=5, decimal_places=2, null=True, blank=True, validators=PERCENT, help_text="0–100; empty for none."
    )
    min_attendance = models.DecimalField(
        max_digits=5, decimal_places=2, null=True, blank=True, validators=PERCENT, help_text="0–100; empty for none."
    )
    prerequisites = models.ManyToManyField(
        Achievement, blank=True, related_name="required_by", help_text="Achievements the learner must hold, still valid."
    )
    notes = models.TextField(blank=True, help_text="Why this version exists.")
    created_at = models.DateTimeField(auto_now_add=True)
    frozen_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["ruleset", "-number"]
        constraints = [models.UniqueConstraint(fields=["ruleset", "number"], name="rulesetversion_unique_number")]

    def __str__(self):
        return f"{self.ruleset.name} v{self.number}"

    @property
    def is_frozen(self) -> bool:
        return self.frozen_at is not None

    def save(self, *args, **kwargs):
        if self.pk and RuleSetVersion.objects.filter(pk=self.pk, frozen_at__isnull=False).exists():
            raise FrozenVersionError(
                f"{self} has decided issuances and cannot be changed; create a new version instead."
            )
        if self.number is None:
            last = RuleSetVersion.objects.filter(ruleset=self.ruleset).aggregate(models.Max("number"))["number__max"]
            self.number = (last or 0) + 1
        super().save(*args, **kwargs)

    def freeze(self) -> None:
        """Called when this version decides an issuance; conditional so concurrent callers agree."""
        RuleSetVersion.objects.filter(pk=self.pk, frozen_at__isnull=True).update(frozen_at=timezone.now())
        self.refresh_from_db(fields=["frozen_at"])


class RuleCondition(models.Model):
    """A test on the completion payload. Conditions in one group are ORed; groups are ANDed."""

    class Operator(models.TextChoices):
        EQUALS = "eq", "equals"
        NOT_EQUALS = "ne", "does not equal"
        GREATER = "gt", "is greater than"
        GREATER_OR_EQUAL = "gte", "is at least"
        LESS = "lt", "is less than"
        LESS_OR_EQUAL = "lte", "is at most"
        IN = "in", "is one of (comma-separated)"
        NOT_IN = "not_in", "is none of (comma-separated)"
        CONTAINS = "contains", "contains"
        EXISTS = "exists", "is present"

    NUMERIC = {Operator.GREATER, Operator.GREATER_OR_EQUAL, Operator.LESS, Operator.LESS_OR_EQUAL}

    version = models.ForeignKey(RuleSetVersion, on_delete=models.CASCADE, related_name="conditions")
    group = models.PositiveSmallIntegerField(default=1, validators=[MinValueValidator(1)])
    path = models.CharField(max_length=200, validators=[validate_condition_path])
    operator = models.CharField(max_length=10, choices=Operator.choices)
    value = models.CharField(max_length=500, blank=True)
    description = models.CharField(
        max_length=300, blank=True, help_text="How a learner should read this requirement, e.g. 'Complete the practical assessment'."
    )

    class Meta:
        ordering = ["group", "id"]

    def __str__(self):
        return f"{self.path} {self.get_operator_display()} {self.value}".strip()

    def clean(self):
        if self.operator in self.NUMERIC:
            try:
                Decimal(self.value)
            except ArithmeticError:
                raise ValidationError({"value": f"'{self.get_operator_display()}' needs a number, not {self.value!r}."}) from None
        elif self.operator == self.Operator.EXISTS:
            if self.value:
                raise ValidationError({"value": "'is present' takes no value; leave it empty."})
        elif not self.value:
            raise ValidationError({"value": f"'{self.get_operator_display()}' needs a value."})

    def save(self, *args, **kwargs):
        if self.version.is_frozen or RuleSetVersion.objects.filter(pk=self.version_id, frozen_at__isnull=False).exists():
            raise FrozenVersionError(f"{self.version} is frozen; its conditions cannot change.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if RuleSetVersion.objects.filter(pk=self.version_id, frozen_at__isnull=False).exists():
            raise FrozenVersionError(f"{self.version} is frozen; its conditions cannot change.")
        return super().delete(*args, **kwargs)


class CertificateTemplate(models.Model):
    """The HTML + CSS of a certificate, edited by staff and rendered in a restricted engine."""

    class PageSize(models.TextChoices):
        A4 = "A4", "A4"
        LETTER = "letter", "US Letter"

    class Orientation(models.TextChoices):
        LANDSCAPE = "landscape", "Landscape"
        PORTRAIT = "portrait", "Portrait"

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="certificate_templates")
    name = models.CharField(max_length=200)
    page_size = models.CharField(max_length=10, choices=PageSize.choices, default=PageSize.A4)
    orientation = models.CharField(max_length=10, choices=Orientation.choices, default=Orientation.LANDSCAPE)
    html = models.TextField(help_text="The certificate body; merge fields such as {{ learner_name }} are listed beside the editor.")
    css = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["organization__name", "name"]
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="certificatetemplate_unique_name")]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        # A new version whenever what renders changes, so a stored PDF names the version it came from.
        if self.pk:
            old = CertificateTemplate.objects.filter(pk=self.pk).values("html", "css", "page_size", "orientation").first()
            if old and old != {"html": self.html, "css": self.css, "page_size": self.page_size, "orientation": self.orientation}:
                self.version += 1
        super().save(*args, **kwargs)


class EmailTemplate(models.Model):
    """A subject / text / HTML triplet for one kind of email an organisation sends."""

    class Kind(models.TextChoices):
        CREDENTIAL = "credential", "Credential issued"
        STILL_NEEDED = "still_needed", "What you still need"
        STAFF_DIGEST = "staff_digest", "Staff exception digest"
        RENEWAL_REMINDER = "renewal_reminder", "Renewal reminder"

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="email_templates")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    name = models.CharField(max_length=200)
    subject = models.CharField(max_length=300)
    text_body = models.TextField()
    html_body = models.TextField()
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["organization__name", "kind", "name"]
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="emailtemplate_unique_name")]

    def __str__(self):
        return f"{self.name} ({self.get_kind_display()})"


class Course(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="courses")
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
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["organization__name", "code"]
        constraints = [models.UniqueConstraint(fields=["organization", "code"], name="course_unique_code")]

    def __str__(self):
        return f"{self.code} — {self.title}"

    def clean(self):
        errors = {}
        for field in ("achievement", "ruleset", "certificate_template", "email_template", "next_course"):
            related = getattr(self, field, None) if getattr(self, f"{field}_id") else None
            if related is not None and self.organization_id and related.organization_id != self.organization_id:
                errors[field] = f"This {self._meta.get_field(field).verbose_name} belongs to another organisation."
        if self.next_course_id and self.pk and self.next_course_id == self.pk:
            errors["next_course"] = "A course cannot invite learners to itself."
        if errors:
            raise ValidationError(errors)
