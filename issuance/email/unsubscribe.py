"""The one-click unsubscribe address a learner email carries (RFC 8058), signed so it names one recipient.

Large mailbox providers expect bulk mail to offer `List-Unsubscribe-Post: List-Unsubscribe=One-Click`
beside an https `List-Unsubscribe`; they POST to it without showing the recipient a page. The
token is signed with SECRET_KEY and never expires: an old email's link must keep working.
"""

from django.conf import settings
from django.core import signing

SALT = "laurel.email.unsubscribe"
ONE_CLICK = "List-Unsubscribe=One-Click"


def unsubscribe_url(*, organization_id: int, address: str) -> str:
    token = signing.dumps([organization_id, address.strip().lower()], salt=SALT, compress=True)
    return f"{settings.LAUREL_BASE_URL}/email/unsubscribe/{token}"


def unsubscribe_token_read(*, token: str) -> tuple[int, str] | None:
    """(organisation id, address) the token was made for, or None for a token Laurel did not sign."""
    try:
        organization_id, address = signing.loads(token, salt=SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    return int(organization_id), str(address)


def unsubscribe_headers(*, organization_id: int, address: str, mailto: str) -> dict:
    """List-Unsubscribe with the https one-click address first and the mailto kept, and List-Unsubscribe-Post."""
    url = unsubscribe_url(organization_id=organization_id, address=address)
    return {"List-Unsubscribe": f"<{url}>, <{mailto}>", "List-Unsubscribe-Post": ONE_CLICK}
