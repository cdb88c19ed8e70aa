"""The merge fields a certificate template may use.

`FIELDS` is the documentation staff see beside the editor; `FIELD_SPEC` is what the sandbox
allows, at save (the catalogue) and at render (the pipeline).
"""

from .field_names import spec_with_aliases

FIELDS: dict[str, str] = {
    "learner_name": "The learner's name, exactly as recorded (always escaped).",
    "learner_name_font_size": "A font size in points (8 to 40) that fits the name on at most two lines, e.g. style=\"font-size: {{ learner_name_font_size }}pt\". Sized for a name area 68% of the page wide, or what the CSS declares with --laurel-name-width: 55% (or 500pt; the designer also sets --laurel-name-lines, --laurel-name-largest and --laurel-name-font).",
    "course_title": "The course title.",
    "course_code": "The course code, e.g. FA-101.",
    "achievement_name": "The achievement's name in the learner's language when it has one there (the achievement's page), else as written.",
    "achievement_description": "The achievement's description, in the learner's language like achievement_name, else as written.",
    "completion_date": "When the learner completed the course, as a long date in the organisation's language and time zone.",
    "issue_date": "When the credential was issued, formatted like completion_date.",
    "expiry_date": "When the credential expires, formatted like completion_date; empty if it never expires.",
    "credential_id": "The credential's public id.",
    "verification_url": "The public page where anyone can verify the credential.",
    "qr_code": "A QR code image of verification_url, for <img src=\"{{ qr_code }}\">.",
    "score": "The learner's score in the organisation's number format, e.g. 92; empty if the course has none.",
    "score_percent": "The score as a percentage in the organisation's language, e.g. 92%; empty if the course has none.",
    "organization_name": "The issuing organisation's name.",
    "organization_logo": "The organisation's logo, for <img src=\"{{ organization_logo }}\">; empty without a logo.",
    "primary_color": "The organisation's primary colour, e.g. #1F3A5F.",
    "accent_color": "The organisation's accent colour, e.g. #B8893B.",
    "page_size": "The page size and orientation for @page, e.g. a4 landscape.",
    "signatories": "A list; each has name, title and signature (an image, or empty): {% for s in signatories %}{{ s.name }}{% endfor %}.",
}
SIGNATORY_KEYS = frozenset({"name", "title", "signature"})
# The email's older names for the same dates work here too (courses/templating/field_names.py).
FIELD_SPEC = spec_with_aliases({name: (SIGNATORY_KEYS if name == "signatories" else None) for name in FIELDS})
