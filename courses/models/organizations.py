"""Who issues credentials, and what they recognise: organisations and achievements."""

import secrets
from datetime import datetime
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from simple_history.models import HistoricalRecords

from .copies import CopySettings
from ..templating.languages import LANGUAGE_CHOICES
from ..validators import reminder_days_parse, validate_hex_color, validate_locale, validate_reminder_days, validate_timezone

PERCENT = [MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))]


def recipient_salt_generate() -> str:
    return secrets.token_hex(16)


def organization_asset_path(instance, filename: str) -> str:
    organization = instance if isinstance(instance, Organization) else instance.organization
    return f"organizations/{organization.slug}/{filename}"


class Organization(CopySettings):
    class DateOrder(models.TextChoices):
        YEAR_FIRST = "year_first", "Year first only (2026-12-05)"
        DAY_FIRST = "day_first", "Day first (05/12/2026 is 5 December)"
        MONTH_FIRST = "month_first", "Month first (12/05/2026 is 5 December)"

    class IssuerIdMethod(models.TextChoices):
        DID_WEB = "did:web", "did:web (this site's address)"
        DID_KEY = "did:key", "did:key (the signing key)"

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
    date_order = models.CharField(
        "dates in CSV files", max_length=11, choices=DateOrder.choices, default=DateOrder.YEAR_FIRST,
        help_text="How this organisation's spreadsheets write a date such as 05/12/2026. A date or time with no "
        "time zone is read in the organisation's time zone.",
    )
    locale = models.CharField(max_length=16, default="en", validators=[validate_locale])
    language = models.CharField(
        "learners' language", max_length=16, choices=LANGUAGE_CHOICES, default="en",
        help_text="Certificates, emails and pages are in this language when neither the completion nor the course names one.",
    )
    issuer_id_method = models.CharField(
        "issuer identifier", max_length=8, choices=IssuerIdMethod.choices, default=IssuerIdMethod.DID_WEB,
        help_text="did:web names the issuer by this site's address and survives key rotation; did:key is the key itself.",
    )
    recipient_salt = models.CharField(
        max_length=64, default=recipient_salt_generate, editable=False,
        help_text="Salts the hashed learner email in Open Badges, so the hash cannot be looked up in a list of addresses.",
    )
    raw_body_retention_days = models.PositiveIntegerField(
        "keep raw event bodies (days)", null=True, blank=True, validators=[MinValueValidator(1)],
        help_text="After this many days the raw body of a processed or ignored event is deleted by the daily "
        "privacy job (parked and unprocessed events keep theirs). Empty: keep them.",
    )
    count_engagement = models.BooleanField(
        "count what happens to credentials", default=True,
        help_text="Count, per credential, public page views, PDF downloads, LinkedIn clicks, wallet claims and "
        "verifications: counts and dates only, no address, no cookie (docs/learners.md). Off: nothing more is counted.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    catalogue_version = models.PositiveBigIntegerField(
        default=0, editable=False,
        help_text="Counts every change to the organisation's templates, assets, signatories and achievement texts; "
        "a process's copies of them are keyed by it (courses/catalogue_cache.py).",
    )
    history = HistoricalRecords(excluded_fields=["catalogue_version"])

    class Meta:
        ordering = ["name"]
        verbose_name = "organisation"  # the spelling of the docs and of every page staff read

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        # Only the catalogue's changes move catalogue_version (an UPDATE … + 1 in their own transaction): a form
        # opened before one of them must not write its older number back, or a process would take a copy made
        # before the change for the current one.
        if not self._state.adding and kwargs.get("update_fields") is None and not kwargs.get("force_insert"):
            kwargs["update_fields"] = [f.name for f in self._meta.concrete_fields
                                       if not f.primary_key and f.name != "catalogue_version"]
        super().save(*args, **kwargs)


class Achievement(models.Model):
    """A badge definition: what the learner is recognised for, and for how long."""

    class ValidityStart(models.TextChoices):
        COMPLETION = "completion", "the completion date"
        ISSUE = "issue", "the issue date"

    class ValidityUnit(models.TextChoices):
        DAYS = "days", "days"
        MONTHS = "months", "months"
        YEARS = "years", "years"

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, verbose_name="organisation", related_name="achievements")
    name = models.CharField(max_length=200)
    description = models.TextField()
    criteria_narrative = models.TextField(help_text="What a learner did to earn this, in plain words.")
    criteria_follows_rules = models.BooleanField(
        "criteria follow the rules", default=False,
        help_text="Rewrite the criteria from the live rules of the courses that award this, each time a rule version is published.",
    )
    image = models.ImageField(upload_to=organization_asset_path, blank=True)
    tags = models.CharField(max_length=500, blank=True, help_text="Skills and tags, separated by commas.")
    validity_amount = models.PositiveIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1)], help_text="Leave empty if it never expires."
    )
    validity_unit = models.CharField(max_length=10, choices=ValidityUnit.choices, blank=True)
    validity_starts = models.CharField(
        "validity counts from", max_length=10, choices=ValidityStart.choices, default=ValidityStart.COMPLETION,
        help_text="The day the validity period starts: when the learner completed the course, or when Laurel issued the credential.",
    )
    renewal_window_days = models.PositiveIntegerField(
        default=90, help_text="A completion this many days or fewer before expiry renews the credential instead of being a duplicate.",
    )
    reminder_days_before = models.CharField(
        max_length=100, default="90,30,0", blank=True, validators=[validate_reminder_days],
        help_text="Renewal reminders, in days before expiry, separated by commas (0: the day it expires). Empty: none before.",
    )
    reminder_days_after = models.PositiveIntegerField(
        null=True, blank=True, help_text="Optionally, one more reminder this many days after it expired.",
    )
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

    @property
    def reminder_offsets(self) -> list[int]:
        """Every reminder as days before expiry, largest first; a reminder after expiry is negative."""
        offsets = sorted(set(reminder_days_parse(self.reminder_days_before)), reverse=True)
        if self.reminder_days_after:
            offsets.append(-self.reminder_days_after)
        return offsets

    def validity_start(self, *, completed_at: datetime, issued_at: datetime) -> datetime:
        """Where the validity period starts; a completion reported in the future counts from now."""
        if self.validity_starts == self.ValidityStart.ISSUE:
            return issued_at
        return min(completed_at, issued_at)

    def valid_until(self, start: datetime) -> datetime | None:
        if not self.validity_amount:
            return None
        return start + relativedelta(**{self.validity_unit: self.validity_amount})
