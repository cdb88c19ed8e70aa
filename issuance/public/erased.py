"""What the public addresses of an erased learner's credential say: only that it was erased at their request."""

from django.http import HttpResponse, JsonResponse
from django.shortcuts import render

from ..models import Credential


def credential_erased_reason(*, credential_id) -> str | None:
    """The revocation reason if the credential's learner was erased, else None."""
    row = Credential.objects.filter(pk=credential_id, learner__erased_at__isnull=False).values("status_reason").first()
    return row["status_reason"] if row else None


def credential_erased_page(request, *, reason: str) -> HttpResponse:
    response = render(request, "laurel/public/erased.html", {"reason": reason}, status=410)
    response["Cache-Control"] = "no-store"
    return response


def credential_erased_response(request, *, credential_id, as_kind: str) -> HttpResponse | None:
    """410 Gone in the form the address serves (`json` or `file`), or None if the learner was not erased.

    The page itself reads erasure with its live status row (`credential_page`) and answers `credential_erased_page`.
    """
    reason = credential_erased_reason(credential_id=credential_id)
    if reason is None:
        return None
    if as_kind == "json":
        response = JsonResponse({"id": str(credential_id), "status": "revoked", "reason": reason}, status=410)
    else:
        response = HttpResponse(f"{reason.capitalize()}.\n", content_type="text/plain; charset=utf-8", status=410)
    response["Cache-Control"] = "no-store"
    return response
