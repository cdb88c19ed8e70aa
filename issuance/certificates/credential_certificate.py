"""A credential's certificate: which template, which merge fields and assets, and storing the PDF."""

import hashlib
from dataclasses import dataclass

from django.core.files.base import ContentFile

from courses.catalogue_cache import catalogue_cached
from courses.models import CertificateAsset, CertificateTemplate, Course, achievement_text_in, certificate_template_in
from courses.templating.languages import formatting_locale

from ..completions import Completion
from ..credentials import credential_public_code, credential_url
from .merge_fields import certificate_merge_fields
from .render import CertificateTemplateError, certificate_render_pdf

LOGO_ASSET = "organization-logo"


@dataclass(frozen=True)
class StoredCertificate:
    sha256: str
    template_version: int
    previous_sha256: str


def course_certificate_template(*, course: Course) -> CertificateTemplate:
    if course.certificate_template_id:
        return course.certificate_template
    organization = course.organization
    template = catalogue_cached(organization=organization, name="default-certificate-template", key=(),
                                read=lambda: organization.certificate_templates.order_by("name").first())
    if template is None:
        raise CertificateTemplate.DoesNotExist(f"{course.organization} has no certificate template.")
    return template


def organization_assets(*, organization) -> tuple[dict[str, bytes], str]:
    """Every asset the organisation's templates may embed, and the name of its logo asset.

    Read once per process and catalogue version (an upload moves it); the logo on the organisation's own row
    is part of the key. The bytes are shared: callers read them, never change them."""
    return catalogue_cached(organization=organization, name="certificate-assets", key=(organization.logo.name,),
                            read=lambda: _organization_assets_read(organization))


def _organization_assets_read(organization) -> tuple[dict[str, bytes], str]:
    assets, logo = {}, ""
    for asset in CertificateAsset.objects.filter(organization=organization).order_by("kind", "name"):
        with asset.file.open("rb") as handle:
            assets[asset.name] = handle.read()
        logo = logo or (asset.name if asset.kind == "logo" else "")
    if not logo and organization.logo:
        with organization.logo.open("rb") as handle:
            assets[LOGO_ASSET] = handle.read()
        logo = LOGO_ASSET
    return assets, logo


def template_render_pdf(*, template: CertificateTemplate, fields: dict, title: str, subject: str, language: str = "",
                        credential: dict | None = None) -> bytes:
    """`language`: the learner's (Laurel's words and the dates and scores in it); empty, the organisation's.

    With `credential`, the PDF is PDF/A-3b carrying it."""
    organization = template.organization
    language = language or organization.language
    assets, logo = organization_assets(organization=organization)
    def read_signatories():
        return [{"name": s.name, "title": s.title, "signature_asset": s.signature.name if s.signature_id else ""}
                for s in template.signatories.select_related("signature")]

    signatories = (catalogue_cached(organization=organization, name="certificate-signatories", key=(template.pk,),
                                    read=read_signatories) if template.pk else read_signatories())
    context = certificate_merge_fields(
        **fields,
        organization_name=organization.name,
        organization_logo_asset=logo,
        signatories=signatories,
        primary_color=organization.primary_color,
        accent_color=organization.accent_color,
        locale=formatting_locale(language=language, organization_locale=organization.locale),
        timezone=organization.timezone,
    )
    try:
        return certificate_render_pdf(
            template_html=template.html,
            template_css=template.css,
            page_size=template.page_size,
            orientation=template.orientation,
            context=context,
            assets=assets,
            metadata={"title": title, "author": organization.name, "subject": subject},
            # The design is drawn once per template version, the language its code is written in (the template's
            # own or a version's) and layout, and cached; see layered.py.
            layer_key=("certificate-template", template.pk, template.version, template.language),
            language=language,
            credential=credential,
        )
    except CertificateTemplateError as exc:
        raise CertificateTemplateError([f"template {template.name!r}, {problem}" for problem in exc.problems]) from None


def credential_certificate_render(*, credential, badge: dict | None = None) -> tuple[bytes, CertificateTemplate]:
    """The certificate as PDF/A-3b, carrying the signed Open Badges 3.0 credential: `badge`, else `credential.badge`."""
    badge = badge or credential.badge
    if not badge:
        raise ValueError(f"Credential {credential.pk} has no signed Open Badges credential yet; its certificate carries it.")
    issuance = credential.issuance
    course = issuance.course
    if course.organization_id == issuance.organization_id:
        course.organization = issuance.organization  # already loaded with the issuance
    template = course_certificate_template(course=course)
    if template.organization_id == issuance.organization_id:
        template.organization = issuance.organization  # already loaded with the issuance
    if template.organization_id == issuance.organization_id and issuance.language and issuance.language != template.language:
        # its version for the learner's language, kept with the organisation's catalogue (a version's edit bumps it)
        template = catalogue_cached(organization=issuance.organization, name="certificate-in-language",
                                    key=(template.pk, template.version, issuance.language),
                                    read=lambda base=template: certificate_template_in(template=base, language=issuance.language))
    else:
        template = certificate_template_in(template=template, language=issuance.language)
    completion = Completion.from_json(issuance.completion)
    achievement_name, achievement_description, _ = achievement_text_in(achievement=credential.achievement,
                                                                      language=issuance.language)
    fields = {
        "learner_name": issuance.learner_name,
        "course_title": course.title,
        "course_code": course.code,
        "achievement_name": achievement_name,
        "achievement_description": achievement_description,
        "credential_id": credential_public_code(credential_id=credential.id),
        "verification_url": credential_url(credential_id=credential.id),
        "completed_at": completion.completed_at,
        "issued_at": credential.issued_at,
        "expires_at": credential.valid_until,
        "score": completion.score,
    }
    pdf = template_render_pdf(
        template=template,
        fields=fields,
        title=f"Certificate - {course.title} - {issuance.learner_name}",
        subject=course.title,
        language=issuance.language,
        credential=badge,
    )
    return pdf, template


def credential_certificate_store(*, credential, badge: dict | None = None) -> StoredCertificate:
    """Render and store the PDF (with the signed credential inside), its SHA-256 and the template version; the caller saves the row."""
    pdf, template = credential_certificate_render(credential=credential, badge=badge)
    previous = credential.pdf_sha256
    credential.pdf.save(f"{credential.id}.pdf", ContentFile(pdf), save=False)
    credential.pdf_sha256 = hashlib.sha256(pdf).hexdigest()
    credential.template_version = template.version
    return StoredCertificate(sha256=credential.pdf_sha256, template_version=template.version, previous_sha256=previous)
