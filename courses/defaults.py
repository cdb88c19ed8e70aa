"""The certificate and email templates Laurel ships, installed into each organisation."""

from pathlib import Path

from django.conf import settings

from .models import CertificateTemplate, EmailTemplate, Organization

DEFAULTS_DIR = Path(settings.BASE_DIR) / "templates" / "laurel" / "defaults"

DEFAULT_CERTIFICATES = {
    "Classic (A4 landscape)": ("certificate-a4-landscape.html", CertificateTemplate.PageSize.A4),
}

DEFAULT_EMAIL_NAMES = {
    EmailTemplate.Kind.CREDENTIAL: "Credential issued (default)",
    EmailTemplate.Kind.STILL_NEEDED: "What you still need (default)",
    EmailTemplate.Kind.STAFF_DIGEST: "Staff exception digest (default)",
    EmailTemplate.Kind.RENEWAL_REMINDER: "Renewal reminder (default)",
}


def _read(name: str) -> str:
    return (DEFAULTS_DIR / name).read_text(encoding="utf-8")


def organization_install_default_templates(*, organization: Organization) -> None:
    """Idempotent: creates the shipped templates the organisation does not have yet, by name."""
    css = _read("certificate.css")
    for name, (html_file, page_size) in DEFAULT_CERTIFICATES.items():
        CertificateTemplate.objects.get_or_create(
            organization=organization,
            name=name,
            defaults={"html": _read(html_file), "css": css, "page_size": page_size},
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
