"""/credentials/<uuid>/linkedin: count a LinkedIn add-to-profile click, then send the visitor to LinkedIn.

Never an open redirect: the only place it sends anyone is LinkedIn's add-to-profile form for this
credential, built by issuance/linkedin.py from the stored credential; nothing in the request is used.
A credential that is not valid now (revoked, suspended, expired, being issued) is not added to a
profile: the visitor lands on its page, which says why.
"""

from django.http import HttpResponseRedirect
from django.shortcuts import redirect
from django.views.decorators.http import require_GET

from ..engagement.counting import engagement_count
from ..linkedin import ADD_TO_PROFILE_URL
from .erased import credential_erased_page
from .verification import credential_live_row, credential_page_facts, credential_public_status


@require_GET
def credential_linkedin(request, credential_id):
    row = credential_live_row(credential_id=credential_id)
    if row and row["learner__erased_at"]:
        return credential_erased_page(request, reason=row["status_reason"])
    facts = credential_page_facts(credential_id=credential_id, certificate_sha256=row["pdf_sha256"]) if row else None
    if facts is None or not facts["signed"] or credential_public_status(row=row, valid_until=facts["valid_until"]).key != "valid":
        return redirect("credential-page", credential_id=credential_id)  # the page says what the credential is now
    target = facts["urls"]["linkedin_profile"]
    if not target.startswith(ADD_TO_PROFILE_URL + "?"):  # cached facts from before the redirect existed, or a bug
        return redirect("credential-page", credential_id=credential_id)
    engagement_count(credential_id=credential_id, counter="linkedin_clicks", request=request)
    response = HttpResponseRedirect(target)
    response["Cache-Control"] = "no-store"  # every click reaches Laurel to be counted
    response["Referrer-Policy"] = "no-referrer"
    return response
