"""The /verify page's answer to a dropped or chosen file: who signed it, for whom, for what, and its status now."""

from django.core.exceptions import SuspiciousOperation
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.utils.translation import gettext as _

from ..engagement.counting import engagement_count
from ..verification.files import FileRefused, presented_file_read
from ..verification.presented import presented_file_verify, typed_email, verify_rate_exceeded
from ..verification.uploads import upload_handlers_bound, upload_limit_check, uploaded_file_bytes

TEMPLATE = "laurel/public/verify.html"


def verify_file_page(request):
    retry_after = verify_rate_exceeded(client=request.META.get("REMOTE_ADDR", ""))
    if retry_after is not None:
        response = _refused(request, 429, _("Too many checks from this address; try again in a minute."))
        response["Retry-After"] = str(retry_after)
        return response
    try:
        upload_limit_check(request)
        upload_handlers_bound(request)
        try:
            files = request.FILES
        except (MultiPartParserError, SuspiciousOperation) as exc:
            raise FileRefused(400, _("The upload could not be read: %(reason)s") % {"reason": exc}) from None
        presented = presented_file_read(data=uploaded_file_bytes(request, files))
    except FileRefused as refused:
        return _refused(request, refused.status, refused.detail)
    report = presented_file_verify(presented=presented, recipient_email=typed_email(request.POST))
    if report.laurel_credential is not None:
        engagement_count(credential_id=report.laurel_credential, counter="verifications", request=request)
    response = render(request, TEMPLATE, {"code": "", "message": "", "report": report, "facts": report.facts,
                                          "email": typed_email(request.POST)})
    response["Cache-Control"] = "no-store"
    return response


def _refused(request, status: int, detail: str):
    response = render(request, TEMPLATE, {"code": "", "message": "", "file_message": detail}, status=status)
    response["Cache-Control"] = "no-store"
    return response
