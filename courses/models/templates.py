"""How credentials look and read: certificate and email templates."""

from django.db import models
from simple_history.models import HistoricalRecords

from .organizations import Organization

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
