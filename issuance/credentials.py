"""A credential's public identity: its URLs and the short code people can type."""

import re
import uuid

from django.conf import settings

_CODE = re.compile(r"^[0-9A-F]{16}$")


def credential_url(*, credential_id, suffix: str = "") -> str:
    return f"{settings.LAUREL_BASE_URL}/credentials/{credential_id}{suffix}"


def credential_public_code(*, credential_id) -> str:
    """The first 64 bits of the id, as 7A0C-5F3E-1B2D-4C8E: short enough to type, unique in practice."""
    hex_digits = uuid.UUID(str(credential_id)).hex[:16].upper()
    return "-".join(hex_digits[i : i + 4] for i in range(0, 16, 4))


def credential_code_prefix(*, code: str) -> str | None:
    """The UUID prefix a typed code stands for, or None if it is not a code."""
    cleaned = re.sub(r"[\s-]", "", code).upper()
    if not _CODE.match(cleaned):
        return None
    lowered = cleaned.lower()
    return f"{lowered[:8]}-{lowered[8:12]}-{lowered[12:16]}"


_FILENAME_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')


def safe_filename(*parts: str, extension: str) -> str:
    """A filename every mail client and file system accepts, e.g. 'Certificate - First Aid - Ana Lima.pdf'."""
    cleaned = [" ".join(_FILENAME_UNSAFE.sub(" ", part).split()).strip(" .") for part in parts]
    return " - ".join(part for part in cleaned if part)[:150].rstrip(" .-") + extension


def certificate_filename(*, course_title: str, learner_name: str) -> str:
    return safe_filename("Certificate", course_title, learner_name, extension=".pdf")
