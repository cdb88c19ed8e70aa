"""Sample learners and the shipped default templates, for the admin preview, the benchmark and the docs."""

from datetime import datetime, timezone

from courses.defaults import DEFAULT_CERTIFICATES, DEFAULTS_DIR
from issuance.certificates.merge_fields import certificate_merge_fields

SAMPLE_NAMES = {
    "latin": "Zoë Ångström-Øberg",
    "vietnamese": "Nguyễn Thị Minh Khai",
    "greek": "Αλέξανδρος Παπαδόπουλος",
    "cyrillic": "Анна Каренина",
    "arabic": "محمد بن عبد الله",
    "hebrew": "דוד בן־גוריון",
    "chinese": "王小明",
    "japanese": "山田太郎",
    "korean": "김민준",
    "mixed": "Maria José 王 Петрова-Smith",
    "markup": "O'Brien <b>&</b> Sons",
    "long": ("Alexandra Konstantina Wilhelmina Maximiliana von Hohenberg-Sigmaringen de la Cruz y Montenegro "
             "Fitzgerald-Oyelaran Ramaswamy Nakamura-Lindqvist Okonkwo-Castellanos Dubois-Van der Merwe Abernathy-Quinn"),
}

def sample_context(name: str, **overrides) -> dict:
    fields = dict(
        learner_name=name,
        course_title="First Aid at Work",
        course_code="FA-101",
        completed_at=datetime(2026, 11, 20, 15, 30, tzinfo=timezone.utc),
        issued_at=datetime(2026, 11, 21, 9, 0, tzinfo=timezone.utc),
        expires_at=datetime(2029, 11, 21, 9, 0, tzinfo=timezone.utc),
        credential_id="7A0C-5F3E-1B2D",
        verification_url="https://credentials.example.org/c/7a0c5f3e-1b2d-4c8e-9f00-123456789abc",
        score=92,
        organization_name="Northbridge Safety Academy",
        signatories=[
            {"name": "Dr. Helen Okafor", "title": "Director of Training"},
            {"name": "James Whitfield", "title": "Lead Instructor"},
        ],
        locale="en",
        timezone="Europe/London",
    )
    fields.update(overrides)
    return certificate_merge_fields(**fields)

def default_template(name: str) -> dict:
    spec = DEFAULT_CERTIFICATES[name]
    return {
        "template_html": (DEFAULTS_DIR / spec.html).read_text(encoding="utf-8"),
        "template_css": (DEFAULTS_DIR / spec.css).read_text(encoding="utf-8"),
        "page_size": spec.page_size,
        "orientation": spec.orientation,
    }

METADATA = {"title": "Certificate - First Aid at Work", "author": "Northbridge Safety Academy", "subject": "First Aid at Work"}
