"""The public verification page for one credential, and looking one up by the code printed on it (or checking a file)."""

import threading

from cachetools import LRUCache
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from ..credentials import credential_code_prefix
from ..engagement.counting import engagement_count
from ..models import Credential
from .erased import credential_erased_page
from .verification import PublicStatus, credential_live_row, credential_page_facts, credential_public_status
from .verify_file import verify_file_page


def _text_on(hex_colour: str) -> str:
    """White or near-black, whichever reads better on the brand colour (WCAG relative luminance)."""
    channels = [int(hex_colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    return "#ffffff" if (1.05 / (luminance + 0.05)) >= ((luminance + 0.05) / 0.05) else "#111827"


def _not_found(request, *, code: str = "", message: str):
    return render(request, "laurel/public/verify.html", {"code": code, "message": message}, status=404)


# This process's last pages, keyed by everything they show: the unchanging facts (by the
# certificate's hash), the live status, and the minute the page says it was checked. Rendering the
# template was 60 % of a page's CPU; a verifier reloading a page, or many people opening a shared
# link, get the same bytes within the minute. The status is still read from the database on every
# request, so a revocation shows at once.
_rendered: LRUCache = LRUCache(maxsize=512)
_rendered_lock = threading.Lock()


@require_GET
def credential_page(request, credential_id):
    row = credential_live_row(credential_id=credential_id)
    if row and row["learner__erased_at"]:  # read with the live status: a warm page is still one query
        return credential_erased_page(request, reason=row["status_reason"])
    facts = credential_page_facts(credential_id=credential_id, certificate_sha256=row["pdf_sha256"]) if row else None
    if facts is None:
        return _not_found(request, message="No credential exists at this address. Check the link, or type the code "
                                            "printed on the certificate.")
    status = credential_public_status(row=row, valid_until=facts["valid_until"])
    if status.key == "valid" and not facts["signed"]:
        # Decided but not yet signed: nothing a verifier could check exists yet.
        status = PublicStatus("pending", "Being issued", "This credential is being issued; check again in a minute.")
    organization = facts["organization"]
    key = (str(credential_id), row["pdf_sha256"], facts["signed"], status, timezone.now().strftime("%Y%m%d%H%M"))
    with _rendered_lock:
        html = _rendered.get(key)
    if html is None:
        html = render_to_string("laurel/public/credential.html", {
            "c": facts, "status": status, "brand": organization["primary"], "accent": organization["accent"],
            "on_brand": _text_on(organization["primary"]),
        }, request=request)
        with _rendered_lock:
            _rendered[key] = html
    engagement_count(credential_id=credential_id, counter="views", request=request)
    response = HttpResponse(html)
    # The status is read live; a shared cache must not keep an old one.
    response["Cache-Control"] = "no-cache"
    return response


# No CSRF token: checking a file changes nothing and needs no sign-in, so a forged submission can do
# nothing a visitor could not do themselves, and the page works without a cookie.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def verify_code(request):
    if request.method == "POST":  # a dropped or chosen file
        return verify_file_page(request)
    code = request.GET.get("code", "").strip()[:64]
    if not code:
        return render(request, "laurel/public/verify.html", {"code": "", "message": ""})
    prefix = credential_code_prefix(code=code)
    if prefix is None:
        return _not_found(request, code=code, message=f"“{code}” is not a credential code. A code looks like "
                                                      "7A0C-5F3E-1B2D-4C8E (16 letters and digits).")
    matches = list(Credential.objects.filter(id__startswith=prefix).values_list("pk", flat=True)[:2])
    if len(matches) != 1:
        return _not_found(request, code=code, message=f"No credential has the code {code.upper()}. Check it against "
                                                      "the certificate; the letters are 0–9 and A–F.")
    engagement_count(credential_id=matches[0], counter="verifications", request=request)
    return redirect("credential-page", credential_id=matches[0])
