"""Staff words per learner language: an achievement's name and description, an email or certificate template's variants.

Each falls back to the text staff wrote on the achievement or template itself, so a language with no
version of its own still gets one (docs/learners.md, "Staff text per language")."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import prefetch_related_objects
from django.utils.translation import get_language_info

from ..templating.certificate_fields import FIELD_SPEC as CERTIFICATE_FIELD_SPEC
from ..templating.email_fields import email_fields
from ..templating.languages import LANGUAGE_CHOICES, LANGUAGES
from ..templating.save_checks import template_save_problems
from .organizations import Achievement
from .templates import CertificateTemplate, EmailTemplate, _refuse_what_the_sandbox_refuses


class AchievementText(models.Model):
    """The achievement's name and description in one learner language."""

    organization_path = "achievement__organization"

    achievement = models.ForeignKey(Achievement, on_delete=models.CASCADE, related_name="texts")
    language = models.CharField(max_length=16, choices=LANGUAGE_CHOICES)
    name = models.CharField(max_length=200)
    description = models.TextField()

    class Meta:
        ordering = ["achievement", "language"]
        constraints = [models.UniqueConstraint(fields=["achievement", "language"], name="achievementtext_unique_language")]
        verbose_name = "name and description in another language"
        verbose_name_plural = "names and descriptions in other languages"

    def __str__(self):
        return f"{self.name} ({self.language})"


class EmailTemplateVariant(models.Model):
    """An email template's subject, text and HTML for learners of one language."""

    organization_path = "template__organization"

    template = models.ForeignKey(EmailTemplate, on_delete=models.CASCADE, related_name="variants")
    language = models.CharField(max_length=16, choices=LANGUAGE_CHOICES)
    subject = models.CharField(max_length=500)
    text_body = models.TextField()
    html_body = models.TextField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["template", "language"]
        constraints = [models.UniqueConstraint(fields=["template", "language"], name="emailtemplatevariant_unique_language")]
        verbose_name = "version in another language"
        verbose_name_plural = "versions in other languages"

    def __str__(self):
        return f"{self.template.name} ({LANGUAGES.get(self.language, self.language)})"

    def clean(self):
        # The same checks as the template's own parts: a variant renders in the same sandbox, for the same kind.
        kind = self.template.kind if self.template_id else ""
        _refuse_what_the_sandbox_refuses(self, parts=("subject", "text_body", "html_body"), fields=email_fields(kind))
        problems = template_save_problems(
            kind="email", email_kind=kind, parts={"subject": self.subject, "text_body": self.text_body, "html_body": self.html_body}
        )
        if problems:
            raise ValidationError(problems)
        if self.template_id and self.language == self.template.language:
            raise ValidationError({"language": f"The template itself is written in {language_name(self.language)}; "
                                               "edit it above, or choose another language here."})


class CertificateTemplateVariant(models.Model):
    """A certificate template's HTML and CSS for learners of one language; its page size, orientation and
    signatories are the template's. Saving or deleting one makes a new version of the template, as editing
    the template's own code does, so a stored PDF names the version it came from."""

    organization_path = "template__organization"

    template = models.ForeignKey(CertificateTemplate, on_delete=models.CASCADE, related_name="variants")
    language = models.CharField(max_length=16, choices=LANGUAGE_CHOICES)
    html = models.TextField()
    css = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["template", "language"]
        constraints = [models.UniqueConstraint(fields=["template", "language"], name="certificatetemplatevariant_unique_language")]
        verbose_name = "version in another language"
        verbose_name_plural = "versions in other languages"

    def __str__(self):
        return f"{self.template.name} ({LANGUAGES.get(self.language, self.language)})"

    def clean(self):
        # The same checks as the template's own code: a variant renders in the same sandbox, on the same page.
        _refuse_what_the_sandbox_refuses(self, parts=("html", "css"), fields=CERTIFICATE_FIELD_SPEC)
        if not self.template_id:
            return
        template = self.template
        problems = template_save_problems(kind="certificate", organization=template.organization, html=self.html,
                                          css=self.css or "", page_size=template.page_size, orientation=template.orientation)
        if problems:
            raise ValidationError({"html": problems})
        if self.language == template.language:
            raise ValidationError({"language": f"The template itself is written in {language_name(self.language)}; "
                                               "edit it above, or choose another language here."})

    def save(self, *args, **kwargs):
        old = type(self).objects.filter(pk=self.pk).values("language", "html", "css").first() if self.pk else None
        super().save(*args, **kwargs)
        if old != {"language": self.language, "html": self.html, "css": self.css}:
            self._template_version_bump()

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        self._template_version_bump()
        return result

    def _template_version_bump(self) -> None:
        template = CertificateTemplate.objects.filter(pk=self.template_id).first()
        if template is not None:
            template.version += 1
            template.save(update_fields=["version", "updated_at"])


def language_name(code: str) -> str:
    """A shipped language's name in English, as staff read it in the admin: French, Brazilian Portuguese."""
    return get_language_info(code.lower())["name"]


def template_languages(*, template: EmailTemplate | CertificateTemplate) -> list[tuple[str, str]]:
    """(language, what its learners get) for each shipped language, as an email or certificate editor shows it."""
    own = {variant.language for variant in template.variants.all()} if template.pk else set()
    main = language_name(template.language)
    lines = []
    for code in LANGUAGES:
        name = language_name(code)
        if code == template.language:
            lines.append((code, f"{name}: the template above."))
        elif code in own:
            lines.append((code, f"{name}: its own version, below."))
        else:
            lines.append((code, f"No {name} version: learners whose language is {name} get the {main} one."))
    return lines


def achievement_text_in(*, achievement: Achievement, language: str) -> tuple[str, str, str]:
    """(name, description, the language they are in, "" when staff's own text is the fallback).

    The one choice for everything a learner reads: the Open Badges credential, the certificate, the emails.
    The texts are read once per achievement object, however many of them ask."""
    text = None
    if language:
        prefetch_related_objects([achievement], "texts")
        text = next((t for t in achievement.texts.all() if t.language == language), None)
    if text is None:
        return achievement.name, achievement.description, ""
    return text.name, text.description, text.language


email_template_languages = template_languages


def email_template_in(*, template: EmailTemplate, language: str) -> EmailTemplate:
    """The template as learners of `language` get it: its variant's parts when it has one, else itself."""
    if not template.pk or not language or language == template.language:
        return template
    variant = template.variants.filter(language=language).first()
    if variant is None:
        return template
    return EmailTemplate(pk=template.pk, organization=template.organization, kind=template.kind, name=template.name,
                         subject=variant.subject, text_body=variant.text_body, html_body=variant.html_body,
                         language=variant.language)


def certificate_template_in(*, template: CertificateTemplate, language: str) -> CertificateTemplate:
    """The template as learners of `language` get it: its variant's HTML and CSS when it has one, else itself.

    The same version number either way (a variant's edit makes a new version of the template); the template
    itself is asked nothing when the learner's language is the one it is written in."""
    if not template.pk or not language or language == template.language:
        return template
    variant = template.variants.filter(language=language).first()
    if variant is None:
        return template
    return CertificateTemplate(pk=template.pk, organization=template.organization, name=template.name,
                               page_size=template.page_size, orientation=template.orientation,
                               html=variant.html, css=variant.css, language=variant.language, version=template.version)
