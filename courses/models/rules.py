"""What a course requires: rule sets, their frozen versions, and payload conditions."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models.signals import m2m_changed
from django.dispatch import receiver
from django.utils import timezone
from simple_history.models import HistoricalRecords

from ..validators import validate_condition_path
from .organizations import PERCENT, Achievement, Organization

class RuleSet(models.Model):
    """What a course requires. Its versions are the history of those requirements."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, verbose_name="organisation", related_name="rulesets")
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
        """The live version: the newest published one. Drafts never decide anything."""
        return self.versions.filter(published_at__isnull=False).order_by("-number").first()

    @property
    def latest_draft(self) -> "RuleSetVersion | None":
        live = self.current_version
        drafts = self.versions.filter(published_at__isnull=True)
        if live is not None:
            drafts = drafts.filter(number__gt=live.number)
        return drafts.order_by("-number").first()


class FrozenVersionError(ValidationError):
    pass


class RuleSetVersion(models.Model):
    """One edition of a rule set: a draft until published, then live until a newer one is published.

    Only published versions decide completions. A published version cannot change (editing the
    live rules in place would decide completions under half-made requirements); once it has
    decided an issuance it is frozen too. Edits make a new draft.
    """

    organization_path = "ruleset__organization"  # how a row reaches its organisation (courses/access/tenancy.py)

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
    published_at = models.DateTimeField(null=True, blank=True, editable=False, help_text="Empty while a draft.")
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, editable=False, related_name="+"
    )

    class Meta:
        ordering = ["ruleset", "-number"]
        constraints = [models.UniqueConstraint(fields=["ruleset", "number"], name="rulesetversion_unique_number")]

    def __str__(self):
        return f"{self.ruleset.name} v{self.number}"

    @property
    def is_frozen(self) -> bool:
        return self.frozen_at is not None

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    @property
    def is_locked(self) -> bool:
        """Published or frozen: its requirements can no longer change."""
        return self.is_frozen or self.is_published

    def locked_reason(self) -> str:
        if self.is_frozen:
            return f"{self} has decided issuances and cannot be changed; create a new version instead."
        return f"{self} is published and cannot be changed; create a new version instead."

    @classmethod
    def locked_in_database(cls, pk) -> "RuleSetVersion | None":
        return cls.objects.filter(pk=pk).filter(models.Q(frozen_at__isnull=False) | models.Q(published_at__isnull=False)).first()

    def save(self, *args, **kwargs):
        locked = self.pk and RuleSetVersion.locked_in_database(self.pk)
        if locked:
            raise FrozenVersionError(locked.locked_reason())
        if self.number is None:
            last = RuleSetVersion.objects.filter(ruleset=self.ruleset).aggregate(models.Max("number"))["number__max"]
            self.number = (last or 0) + 1
        super().save(*args, **kwargs)

    def freeze(self) -> None:
        """Called when this version decides an issuance; conditional so concurrent callers agree."""
        if self.frozen_at is not None:  # as read from the database: frozen for good, nothing to write
            return
        RuleSetVersion.objects.filter(pk=self.pk, frozen_at__isnull=True).update(frozen_at=timezone.now())
        self.refresh_from_db(fields=["frozen_at"])


class RuleCondition(models.Model):
    """A test on the completion payload. Conditions in one group are ORed; groups are ANDed."""

    organization_path = "version__ruleset__organization"  # how a row reaches its organisation (courses/access/tenancy.py)

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
        if self.version.is_locked or RuleSetVersion.locked_in_database(self.version_id):
            raise FrozenVersionError(f"{self.version} is frozen; its conditions cannot change.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if RuleSetVersion.locked_in_database(self.version_id):
            raise FrozenVersionError(f"{self.version} is frozen; its conditions cannot change.")
        return super().delete(*args, **kwargs)


@receiver(m2m_changed, sender=RuleSetVersion.prerequisites.through, dispatch_uid="rulesetversion_prerequisites_locked")
def _prerequisites_of_a_locked_version_stay(sender, instance, action, reverse, pk_set, **kwargs):
    """A published or frozen version's prerequisites cannot change, like its conditions (the admin shows them
    read-only; a decision remembers them per process, courses/published_rules.py)."""
    if action not in ("pre_add", "pre_remove", "pre_clear"):
        return
    if not reverse:
        versions = RuleSetVersion.objects.filter(pk=instance.pk)
    elif pk_set is not None:
        versions = RuleSetVersion.objects.filter(pk__in=pk_set)
    else:
        versions = RuleSetVersion.objects.filter(prerequisites=instance)
    locked = versions.filter(models.Q(frozen_at__isnull=False) | models.Q(published_at__isnull=False)).first()
    if locked is not None:
        raise FrozenVersionError(f"{locked} is {'frozen' if locked.is_frozen else 'published'}; its prerequisites cannot change.")
