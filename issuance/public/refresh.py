"""GET of a credential's refreshService address: its current version, as 1EdTech Credential Refresh asks.

- The credential, or its successor after renewals (`replaced_by`, the newest one signed); after a name
  correction that is the re-signed document, since a reissue keeps the id. Expired or suspended ones are
  answered as they stand: their dates and status list say what they are.
- A copy signed for a wallet (the address names its holder) is answered signed for the same holder.
- Revoked (the one asked for, or its successor): 410 `{"status": "revoked", "reason": …}`.
- A wrong token, or a credential with no signed document: 404, saying which.
"""

from django.http import HttpResponse, JsonResponse
from django.views.decorators.http import require_GET

from ..lifecycle.expiry import credential_shown_status
from ..models import Credential
from ..openbadges.credential_badge import credential_badge_for_holder
from ..openbadges.refresh import credential_current, refresh_token_valid
from .badges import _json

Status = Credential.Status
MAX_HOLDER_LENGTH = 500  # the wallet offer's holder_did column


def _refused(status: int, body: dict) -> HttpResponse:
    response = JsonResponse(body, status=status)
    response["Cache-Control"] = "no-store"
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_GET
def credential_refresh(request, credential_id, token):
    holder_did = request.GET.get("holder", "")
    if len(holder_did) > MAX_HOLDER_LENGTH or not refresh_token_valid(
            credential_id=credential_id, holder_did=holder_did, token=token):
        return _refused(404, {"status": "unknown", "detail": "No credential refreshes at this address."})
    credential = Credential.objects.select_related("issuance__organization").filter(pk=credential_id).first()
    if credential is None or not credential.badge:
        return _refused(404, {"status": "unknown", "detail": "This credential has no signed document to refresh."})
    current = credential if credential.status == Status.REVOKED else credential_current(credential=credential)
    if current.status == Status.REVOKED:
        return _refused(410, {"status": "revoked", "reason": current.status_reason, "id": current.badge["id"]})
    document = credential_badge_for_holder(credential=current, holder_did=holder_did) if holder_did else current.badge
    response = _json(document, content_type="application/vc+ld+json", cache_control="no-store")
    response["Laurel-Credential-Status"] = credential_shown_status(status=current.status, valid_until=current.valid_until)
    return response
