"""How credentials look and read: certificate and email templates."""

from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator, RegexValidator
from django.db import models
from simple_history.models import HistoricalRecords

from ..templating.certificate_fields import FIELD_SPEC
from ..templating.email_fields import email_fields
from ..templating.email_kinds import EmailKind
from ..templating.languages import LANGUAGE_CHOICES
from ..templating.sandbox import template_validate
from ..templating.save_checks import template_save_problems
from .organizations import Organization, organization_asset_path

MAX_ASSET_BYTES = 5 * 1024 * 1024
ASSET_EXTENSIONS = ["png", "jpg", "jpeg", "gif", "ttf"]
# The first bytes of each format a certificate may embed: the extension alone proves nothing.
ASSET_SIGNATURES = {
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "gif": (b"GIF87a", b"GIF89a"),
    "ttf": (b"\x00\x01\x00\x00", b"true"),
}
validate_asset_name = RegexValidator(
    r"^[a-z0-9][a-z0-9-]{0,62}$", "Use lower-case letters, digits and dashes, e.g. seal or signature-director."
)

def _refuse_what_the_sandbox_refuses(template, *, parts: tuple[str, ...], fields: dict) -> None:
    """Staff templates render in the sandbox; saving one it would refuse fails here, naming each problem."""
    errors = {part: problems for part in parts if (problems := template_validate(getattr(template, part) or "", fields=fields))}
    if errors:
        raise ValidationError(errors)


class CertificateTemplate(models.Model):
    """The HTML + CSS of a certificate, edited by staff and rendered in a restricted engine."""

    class PageSize(models.TextChoices):
        A4 = "A4", "A4"
        LETTER = "letter", "US Letter"

    class Orientation(models.TextChoices):
        LANDSCAPE = "landscape", "Landscape"
        PORTRAIT = "portrait", "Portrait"

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, verbose_name="organisation", related_name="certificate_templates")
    name = models.CharField(max_length=200)
    page_size = models.CharField(max_length=10, choices=PageSize.choices, default=PageSize.A4)
    orientation = models.CharField(max_length=10, choices=Orientation.choices, default=Orientation.LANDSCAPE)
    html = models.TextField(help_text="The certificate body; merge fields such as {{ learner_name }} are listed beside the editor.")
    css = models.TextField(blank=True)
    language = models.CharField(
        "written in", max_length=16, choices=LANGUAGE_CHOICES, default="en",
        help_text="The language of the HTML and CSS above. Learners of a language with no version of its own "
                  "below get these (their {% translate %} tags in their language).",
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["organization__name", "name"]
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="certificatetemplate_unique_name")]

    def __str__(self):
        return self.name

    def clean(self):
        _refuse_what_the_sandbox_refuses(self, parts=("html", "css"), fields=FIELD_SPEC)
        if self.organization_id:
            # What only a render finds (a reference it may not load, a loop over budget) is refused now,
            # not at some learner's render step.
            problems = template_save_problems(
                kind="certificate",
                organization=self.organization, html=self.html, css=self.css or "",
                page_size=self.page_size, orientation=self.orientation,
            )
            if problems:
                raise ValidationError({"html": problems})

    def save(self, *args, **kwargs):
        # A new version whenever what renders changes, so a stored PDF names the version it came from.
        if self.pk:
            old = CertificateTemplate.objects.filter(pk=self.pk).values("html", "css", "page_size", "orientation").first()
            if old and old != {"html": self.html, "css": self.css, "page_size": self.page_size, "orientation": self.orientation}:
                self.version += 1
        super().save(*args, **kwargs)


class EmailTemplate(models.Model):
    """A subject / text / HTML triplet for one kind of email an organisation sends."""

    Kind = EmailKind

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, verbose_name="organisation", related_name="email_templates")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    name = models.CharField(max_length=200)
    # Room for a subject per case (expired, today, later) each in translate tags; what is sent is cut at 250.
    subject = models.CharField(max_length=500)
    text_body = models.TextField()
    html_body = models.TextField()
    language = models.CharField(
        "written in", max_length=16, choices=LANGUAGE_CHOICES, default="en",
        help_text="The language of the subject and bodies above. Learners of a language with no version of its own "
                  "below get these (their {% translate %} tags in their language).",
    )
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["organization__name", "kind", "name"]
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="emailtemplate_unique_name")]

    def __str__(self):
        return f"{self.name} ({self.get_kind_display()})"

    def clean(self):
        _refuse_what_the_sandbox_refuses(self, parts=("subject", "text_body", "html_body"), fields=email_fields(self.kind))
        # What only a render shows (a loop over budget, an image from another site) is refused now, not at a send.
        problems = template_save_problems(
            kind="email", email_kind=self.kind, parts={"subject": self.subject, "text_body": self.text_body, "html_body": self.html_body}
        )
        if problems:
            raise ValidationError(problems)


class CertificateAsset(models.Model):
    """An image or font an organisation's templates embed, as laurel-asset:<name>."""

    class Kind(models.TextChoices):
        LOGO = "logo", "Logo"
        SEAL = "seal", "Seal"
        SIGNATURE = "signature", "Signature"
        BACKGROUND = "background", "Background"
        FONT = "font", "Font (TrueType)"

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, verbose_name="organisation", related_name="certificate_assets")
    name = models.CharField(max_length=63, validators=[validate_asset_name], help_text="Templates use it as laurel-asset:<name>.")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    file = models.FileField(upload_to=organization_asset_path, validators=[FileExtensionValidator(ASSET_EXTENSIONS)])
    uploaded_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["organization__name", "name"]
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="certificateasset_unique_name")]

    def __str__(self):
        return f"{self.name} ({self.get_kind_display()})"

    def clean(self):
        if not self.file:
            return
        if self.file.size > MAX_ASSET_BYTES:
            raise ValidationError({"file": f"The file is {self.file.size // 1024} KB; assets may be at most 5 MB."})
        extension = PurePath(self.file.name).suffix.lower().lstrip(".")
        self.file.seek(0)
        head = self.file.read(8)
        self.file.seek(0)
        if extension in ASSET_SIGNATURES and not head.startswith(ASSET_SIGNATURES[extension]):
            raise ValidationError({"file": f"This file is not a real .{extension} file."})


class CertificateSignatory(models.Model):
    """A person whose name, title and signature appear on a template's certificates."""

    organization_path = "template__organization"  # how a row reaches its organisation (courses/access/tenancy.py)

    template = models.ForeignKey(CertificateTemplate, on_delete=models.CASCADE, related_name="signatories")
    order = models.PositiveSmallIntegerField(default=1)
    name = models.CharField(max_length=200)
    title = models.CharField(max_length=200, blank=True)
    signature = models.ForeignKey(
        CertificateAsset, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        limit_choices_to={"kind": CertificateAsset.Kind.SIGNATURE},
    )

    class Meta:
        ordering = ["order", "id"]
        verbose_name_plural = "certificate signatories"

    def __str__(self):
        return self.name

    def clean(self):
        if self.signature_id and self.signature.organization_id != self.template.organization_id:
            raise ValidationError({"signature": "This signature belongs to another organisation."})
