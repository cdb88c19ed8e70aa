"""The public verification page for one credential, and looking one up by the code printed on it (or checking a file)."""

import threading

from cachetools import LRUCache
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from ..credentials import credential_code_prefix
from ..engagement.counting import engagement_count
from ..models import Credential
from .erased import credential_erased_page, credential_withheld_page
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
    if row and row["learner__erased_at"]:  # read with the live status, before the facts that hold the name
        return credential_erased_page(request, reason=row["status_reason"])
    if row and row["holder_hidden_at"]:  # hidden by the learner on /me: the status, and no details
        return credential_withheld_page(request, status=credential_public_status(row=row, valid_until=row["valid_until"]))
    facts = credential_page_facts(credential_id=credential_id, certificate_sha256=row["pdf_sha256"]) if row else None
    # A link to one credential opens in the learner's language, whoever follows it; a link to nothing in the visitor's.
    language = facts.get("language", "en") if facts else translation.get_language_from_request(request)
    with translation.override(language):
        return _credential_page(request, credential_id=credential_id, row=row, facts=facts, language=language)


def _credential_page(request, *, credential_id, row, facts, language):
    if facts is None:
        return _not_found(request, message=gettext("No credential exists at this address. Check the link, or type the code "
                                                    "printed on the certificate."))
    status = credential_public_status(row=row, valid_until=facts["valid_until"])
    if status.key == "valid" and not facts["signed"]:
        # Decided but not yet signed: nothing a verifier could check exists yet.
        status = PublicStatus("pending", gettext("Being issued"), gettext("This credential is being issued; check again in a minute."))
    organization = facts["organization"]
    key = (str(credential_id), row["pdf_sha256"], facts["signed"], status, language, timezone.now().strftime("%Y%m%d%H%M"))
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
    response["Content-Language"] = language
    # The status is read live; a shared cache must not keep an old one.
    response["Cache-Control"] = "no-cache"
    return response


# No CSRF token: checking a file changes nothing and needs no sign-in, so a forged submission can do
# nothing a visitor could not do themselves, and the page works without a cookie.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def verify_code(request):
    # Tied to no credential: the visitor's Accept-Language chooses among Laurel's languages.
    with translation.override(translation.get_language_from_request(request)):
        response = _verify_code(request)
        response["Content-Language"] = translation.get_language()
        response["Vary"] = "Accept-Language"
        return response


def _verify_code(request):
    if request.method == "POST":  # a dropped or chosen file
        return verify_file_page(request)
    code = request.GET.get("code", "").strip()[:64]
    if not code:
        return render(request, "laurel/public/verify.html", {"code": "", "message": ""})
    prefix = credential_code_prefix(code=code)
    if prefix is None:
        return _not_found(request, code=code, message=gettext("“%(code)s” is not a credential code. A code looks like "
                                                              "7A0C-5F3E-1B2D-4C8E (16 letters and digits).") % {"code": code})
    matches = list(Credential.objects.filter(id__startswith=prefix).values_list("pk", flat=True)[:2])
    if len(matches) != 1:
        return _not_found(request, code=code, message=gettext("No credential has the code %(code)s. Check it against "
                                                              "the certificate; the letters are 0–9 and A–F.") % {"code": code.upper()})
    engagement_count(credential_id=matches[0], counter="verifications", request=request)
    return redirect("credential-page", credential_id=matches[0])
