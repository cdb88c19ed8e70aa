"""The demo's LMS sources: one of each dialect, so staff can see how each is configured."""

from ..models import Source
from .configure import source_configure, source_intake_url
from .mapped.presets import preset_mapping
from .registry import DIALECTS

# slug, dialect, settings, course mapping (external id → demo course code). LMSs that send no score
# map to WS-100 (no rules), so their completions issue; xAPI sends one, so it maps to FA-101 (pass
# mark 80). The web-services and key-set addresses are examples: `make demo` points them at its local
# stand-ins (scripts/lms_stand_ins.py); point them at a real Moodle and Canvas to try those.
DEMO_SOURCES = [
    # poll_minutes 0: the example Moodle does not exist, so the demo's worker must not poll it.
    ("demo-moodle", "moodle", {"moodle_url": "https://moodle.demo-academy.example", "poll_minutes": "0"}, {"12": "WS-100"}),
    ("demo-canvas", "canvas", {"jwks_url": "https://8axpcl50e4.execute-api.us-east-1.amazonaws.com/main/jwks"}, {"42": "WS-100"}),
    ("demo-thinkific", "thinkific", {}, {"68": "WS-100"}),
    ("demo-teachable", "teachable", {}, {"2001": "WS-100"}),
    ("demo-xapi", "xapi", {"key": "demo-lrs"}, {"https://lms.demo-academy.example/courses/first-aid": "FA-101"}),
    ("demo-learndash", "learndash", {}, {"812": "WS-100"}),
    # A form tool connected by a preset, no code: Typeform's form_response names its course in a hidden field.
    ("demo-typeform", "mapped", {"mapping": preset_mapping("typeform", {})}, {}),
    # The form's id (what the Apps Script sends) maps to the course; the form asks for the name and collects the email.
    ("demo-google-forms", "google_forms", {"attendance_item": "I attended the whole session"},
     {"1FAIpQLSd-demo-academy-induction": "WS-100"}),
]
NAMES = {"demo-typeform": "Demo Typeform (mapped, preset typeform)", "demo-google-forms": "Demo Google Forms (Apps Script)"}


def demo_lms_sources_seed(*, organization) -> list[str]:
    """Create the missing demo sources (secrets generated once, then kept); one line per source to print."""
    lines = []
    for slug, dialect_name, settings, mappings in DEMO_SOURCES:
        dialect = DIALECTS[dialect_name]
        existing = Source.objects.filter(slug=slug).first()
        secret = None if existing else (dialect.configured(settings).secret_generate() if dialect.secret_required else "")
        if dialect_name == "moodle" and not existing:
            settings = {**settings, "ws_token": dialect.secret_generate()[:32]}
        source, _ = source_configure(
            organization_slug=organization.slug, slug=slug, dialect=dialect_name, name=NAMES.get(slug, f"Demo {dialect.label}"),
            secret=secret, settings=settings if not existing else {}, mappings=mappings,
        )
        shown = source.signing_secret or "(none: " + dialect.secret_help + ")"
        if dialect_name == "xapi":
            shown = f"key {source.settings['key']} / {shown}"
        lines.append(f"  LMS source {slug:<17} POST {source_intake_url(source)}  secret {shown}")
    return lines
