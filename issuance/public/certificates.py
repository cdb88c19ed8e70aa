"""The certificate PDF at /credentials/<uuid>.pdf, under a filename a person would choose.

A revoked credential's PDF is refused (410 Gone) with a page that says so and why, rather than served
with a mark on it: a stamped PDF can be cropped, and a verifier should meet the revocation, not a file.
"""

from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from ..credentials import certificate_filename
from ..engagement.counting import engagement_count
from ..models import Credential
from .erased import credential_erased_response


@require_GET
def credential_pdf(request, credential_id):
    erased = credential_erased_response(request, credential_id=credential_id, as_kind="file")
    if erased is not None:
        return erased
    credential = get_object_or_404(
        Credential.objects.select_related("issuance__course", "issuance__organization", "achievement"), pk=credential_id
    )
    if credential.status == Credential.Status.REVOKED:
        response = render(request, "laurel/public/certificate_revoked.html", {
            "organization_name": credential.issuance.organization.name, "achievement_name": credential.achievement.name,
            "learner_name": credential.issuance.learner_name, "reason": credential.status_reason,
            "credential_page_url": reverse("credential-page", args=[credential.pk]),
        }, status=410)
        response["Cache-Control"] = "no-cache"
        return response
    if not credential.pdf:
        raise Http404("This credential has no certificate yet.")
    filename = certificate_filename(course_title=credential.issuance.course.title, learner_name=credential.issuance.learner_name)
    engagement_count(credential_id=credential.pk, counter="downloads", request=request)
    response = FileResponse(credential.pdf.open("rb"), content_type="application/pdf", filename=filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "public, max-age=300"
    response["X-Certificate-SHA256"] = credential.pdf_sha256
    return response
