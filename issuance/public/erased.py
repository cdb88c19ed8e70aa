"""What the public addresses of an erased learner's credential say: only that it was erased at their request.

Also what they say of a credential its holder hid on their page (/me): only that details are withheld.
"""

from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from ..models import Credential


def credential_erased_reason(*, credential_id) -> str | None:
    """The revocation reason if the credential's learner was erased, else None."""
    row = Credential.objects.filter(pk=credential_id, learner__erased_at__isnull=False).values("status_reason").first()
    return row["status_reason"] if row else None


def credential_erased_page(request, *, reason: str) -> HttpResponse:
    response = render(request, "laurel/public/erased.html", {"reason": reason}, status=410)
    response["Cache-Control"] = "no-store"
    return response


def credential_withheld_page(request, *, status) -> HttpResponse:
    """The public page of a credential its holder hid: its live status, and that the details are withheld."""
    response = render(request, "laurel/public/withheld.html", {"status": status})
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


def credential_erased_response(request, *, credential_id, as_kind: str) -> HttpResponse | None:
    """410 Gone in the form the address serves (`json` or `file`) if the learner was erased, 404 if the holder hid
    the credential's details; None otherwise.

    The page itself reads both with its live status row (`credential_page`).
    """
    row = Credential.objects.filter(pk=credential_id).values("status_reason", "learner__erased_at",
                                                              "holder_hidden_at").first()
    if row is not None and row["holder_hidden_at"] and not row["learner__erased_at"]:
        detail = _("Details withheld by the holder.")
        if as_kind == "json":
            response = JsonResponse({"id": str(credential_id), "detail": detail, "withheld": True}, status=404)
        else:
            response = HttpResponse(detail + "\n", content_type="text/plain; charset=utf-8", status=404)
        response["Cache-Control"] = "no-store"
        return response
    reason = row["status_reason"] if row is not None and row["learner__erased_at"] else None
    if reason is None:
        return None
    if as_kind == "json":
        response = JsonResponse({"id": str(credential_id), "status": "revoked", "reason": reason}, status=410)
    else:
        response = HttpResponse(f"{reason.capitalize()}.\n", content_type="text/plain; charset=utf-8", status=410)
    response["Cache-Control"] = "no-store"
    return response
