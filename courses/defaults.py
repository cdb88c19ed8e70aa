"""The certificate and email templates Laurel ships, installed into each organisation."""

from pathlib import Path
from typing import NamedTuple

from django.conf import settings

from .models import CertificateTemplate, EmailTemplate, Organization

DEFAULTS_DIR = Path(settings.BASE_DIR) / "templates" / "laurel" / "defaults"



class DefaultCertificate(NamedTuple):
    html: str
    css: str
    page_size: str
    orientation: str


DEFAULT_CERTIFICATES = {
    "Classic (A4 landscape)": DefaultCertificate(
        "certificate-classic.html", "certificate-classic.css",
        CertificateTemplate.PageSize.A4, CertificateTemplate.Orientation.LANDSCAPE,
    ),
    "Modern (US Letter landscape)": DefaultCertificate(
        "certificate-modern.html", "certificate-modern.css",
        CertificateTemplate.PageSize.LETTER, CertificateTemplate.Orientation.LANDSCAPE,
    ),
}

DEFAULT_EMAIL_NAMES = {
    EmailTemplate.Kind.CREDENTIAL: "Credential issued (default)",
    EmailTemplate.Kind.STILL_NEEDED: "What you still need (default)",
    EmailTemplate.Kind.STAFF_DIGEST: "Staff exception digest (default)",
    EmailTemplate.Kind.RENEWAL_REMINDER: "Renewal reminder (default)",
    EmailTemplate.Kind.REVOCATION_NOTICE: "Revocation notice (default)",
    EmailTemplate.Kind.CREDENTIAL_COPY: "Credential copy to others (default)",
}


def _read(name: str) -> str:
    return (DEFAULTS_DIR / name).read_text(encoding="utf-8")


def organization_install_default_templates(*, organization: Organization) -> None:
    """Idempotent: creates the shipped templates the organisation does not have yet, by name."""
    for name, spec in DEFAULT_CERTIFICATES.items():
        CertificateTemplate.objects.get_or_create(
            organization=organization,
            name=name,
            defaults={
                "html": _read(spec.html),
                "css": _read(spec.css),
                "page_size": spec.page_size,
                "orientation": spec.orientation,
            },
        )
    for kind, name in DEFAULT_EMAIL_NAMES.items():
        EmailTemplate.objects.get_or_create(
            organization=organization,
            name=name,
            defaults={
                "kind": kind,
                "subject": _read(f"email/{kind}.subject.txt").strip(),
                "text_body": _read(f"email/{kind}.txt"),
                "html_body": _read(f"email/{kind}.html"),
            },
        )
