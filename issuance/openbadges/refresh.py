"""The credential's `refreshService` (1EdTech Credential Refresh): an unguessable address that answers its current version.

The address is its own proof (1EdTech's refresh is a plain GET): it carries an HMAC of the credential id
and, for a copy signed for a wallet, of the holder's DID, under the site's secret key. Nothing is stored,
so credentials issued before a refresh address existed need nothing new; keys in SECRET_KEY_FALLBACKS
still open addresses made before a key rotation.
"""

import hmac
from urllib.parse import urlencode

from django.conf import settings
from django.utils.crypto import salted_hmac

from ..credentials import credential_url
from ..models import Credential

REFRESH_SERVICE_TYPE = "1EdTechCredentialRefresh"
_SALT = "laurel.openbadges.credential-refresh"


def _token(*, credential_id, holder_did: str, secret: str) -> str:
    return salted_hmac(_SALT, f"{credential_id}\n{holder_did}", secret=secret, algorithm="sha256").hexdigest()[:40]


def refresh_service_url(*, credential_id, holder_did: str = "") -> str:
    """The refresh address of a credential, or of its copy bound to `holder_did`."""
    url = credential_url(credential_id=credential_id,
                         suffix=f"/refresh/{_token(credential_id=credential_id, holder_did=holder_did, secret=settings.SECRET_KEY)}")
    return f"{url}?{urlencode({'holder': holder_did})}" if holder_did else url


def refresh_service_build(*, credential_id, holder_did: str = "") -> dict:
    return {"id": refresh_service_url(credential_id=credential_id, holder_did=holder_did), "type": REFRESH_SERVICE_TYPE}


def refresh_token_valid(*, credential_id, holder_did: str, token: str) -> bool:
    """True if `token` is the one Laurel put in this credential's (or this holder's copy's) refresh address."""
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return any(hmac.compare_digest(_token(credential_id=credential_id, holder_did=holder_did, secret=secret), token)
               for secret in secrets)


def credential_current(*, credential: Credential) -> Credential:
    """The newest signed credential in its renewal line (itself when nothing renewed it)."""
    current, seen = credential, {credential.pk}
    while True:
        successor = (Credential.objects.filter(replaces=current, badge__isnull=False)
                     .select_related("issuance__organization").order_by("-issued_at").first())
        if successor is None or successor.pk in seen:
            return current
        current = successor
        seen.add(current.pk)
