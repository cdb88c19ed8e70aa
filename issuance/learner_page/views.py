"""/me: ask for a sign-in link, open it, and the page of every credential held at the address.

Every answer is private (no-store, noindex, no referrer to other sites); every form carries Django's CSRF token; no
address ever appears in a URL.
"""

from functools import wraps

from django import forms
from django.conf import settings
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _, gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ..openbadges.learner_record import LearnerRecordEmpty, learner_record_assemble, learner_record_filename
from ..wallets.addresses import wallet_page_url
from ..wallets.offers import wallet_link_create
from .actions import (LearnerActionRefused, credential_holder_hide, data_copy_request, data_link_open,
                      learner_signed_in_record, name_correction_report)
from .holdings import learner_credential_get, learner_holdings, learner_record_scope, learner_rows
from .session import learner_session_address, learner_session_end, learner_session_start
from .sign_in import sign_in_link_usable, sign_in_redeem, sign_in_request

DOOR = "laurel/public/me_door.html"


class AddressForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("Your email address"), max_length=320,
                             error_messages={"invalid": gettext_lazy("Enter the email address your credentials were sent to, "
                                                                     "like name@example.org.")})


class NameForm(forms.Form):
    name = forms.CharField(max_length=200, label=gettext_lazy("The correct name"))
    note = forms.CharField(max_length=1000, required=False, label=gettext_lazy("Anything staff should know (optional)"))


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    # The sign-in link's token is in its path: never sent to another site. (no-referrer would also make the
    # browser send "Origin: null" with the page's own forms, which the CSRF check rightly refuses.)
    response["Referrer-Policy"] = "same-origin"
    return response


def private(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        # The page gathers credentials that may be in several languages: the visitor's Accept-Language chooses
        # among Laurel's languages, as on the verify page.
        with translation.override(translation.get_language_from_request(request)):
            response = _private(view(request, *args, **kwargs))
            response["Content-Language"] = translation.get_language()
        patch_vary_headers(response, ["Accept-Language"])
        return response
    return never_cache(wrapped)


def signed_in(view):
    """The view gets the signed-in address; without one, back to the door."""
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        address = learner_session_address(request)
        if address is None:
            return _private(render(request, DOOR, {"state": "ask", "form": AddressForm(), "expired": True}, status=403))
        return view(request, address, *args, **kwargs)
    return private(wrapped)


@private
@require_http_methods(["GET", "POST"])
def me_page(request):
    address = learner_session_address(request)
    if request.method == "GET":
        if address is not None:
            return render(request, "laurel/public/me.html", {
                "holdings": learner_holdings(address=address), "address": address,
                "notice": request.session.pop("laurel_me_notice", ""),
                "name_form": NameForm(),
            })
        return render(request, DOOR, {"state": "ask", "form": AddressForm()})
    form = AddressForm(request.POST)
    if not form.is_valid():
        return render(request, DOOR, {"state": "ask", "form": form}, status=400)
    answer = sign_in_request(address=form.cleaned_data["email"], client=request.META.get("REMOTE_ADDR", ""))
    if not answer.accepted:
        response = render(request, DOOR, {"state": "limited", "minutes": (answer.retry_after + 59) // 60}, status=429)
        response["Retry-After"] = str(answer.retry_after)
        return response
    return render(request, DOOR, {"state": "sent", "link_minutes": settings.LAUREL_ME_LINK_MINUTES})


# A GET only shows a button: mail scanners and link previews open every link in a message, and must
# not spend the single use.
@private
@require_http_methods(["GET", "POST"])
def me_sign_in(request, token: str):
    if request.method == "GET":
        usable = sign_in_link_usable(token=token)
        return render(request, DOOR, {"state": "confirm" if usable else "spent", "form": AddressForm()},
                      status=200 if usable else 410)
    address = sign_in_redeem(token=token)
    if address is None:
        return render(request, DOOR, {"state": "spent", "form": AddressForm()}, status=410)
    learner_session_start(request, address=address)
    learner_signed_in_record(learners=learner_rows(address=address))
    return redirect("learner-page")


@private
@require_POST
def me_sign_out(request):
    learner_session_end(request)
    return render(request, DOOR, {"state": "signed_out", "form": AddressForm()})


def _back(request, notice: str):
    request.session["laurel_me_notice"] = notice
    return redirect("learner-page")


@signed_in
@require_GET
def me_certificate(request, address: str, credential_id):
    credential = learner_credential_get(address=address, credential_id=credential_id)
    if not credential.pdf:
        raise Http404(_("This credential has no certificate yet."))
    response = FileResponse(credential.pdf.open("rb"), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="certificate-{credential.pk}.pdf"'
    return response


@signed_in
@require_POST
def me_hide(request, address: str, credential_id):
    credential = learner_credential_get(address=address, credential_id=credential_id)
    hide = request.POST.get("hidden") == "1"
    credential_holder_hide(credential=credential, hidden=hide)
    return _back(request, _("Hidden: its public page now says only that it is valid, with details withheld by you.")
                 if hide else _("Shown: its public page shows its details again."))


@signed_in
@require_POST
def me_report_name(request, address: str, credential_id):
    credential = learner_credential_get(address=address, credential_id=credential_id)
    form = NameForm(request.POST)
    if not form.is_valid():
        return _back(request, _("Not sent: give the correct name (at most 200 characters)."))
    try:
        name_correction_report(credential=credential, requested_name=form.cleaned_data["name"],
                               note=form.cleaned_data["note"])
    except LearnerActionRefused as refused:
        return _back(request, _("Not sent: %(reason)s") % {"reason": refused})
    return _back(request, _("Sent. Staff will check the name and reissue the credential; you will get it by email."))


@signed_in
@require_POST
def me_wallet(request, address: str, credential_id):
    credential = learner_credential_get(address=address, credential_id=credential_id)
    if not credential.badge or credential.status != credential.Status.ACTIVE:
        return _back(request, _("Only a valid, signed credential can go into a wallet."))
    key = wallet_link_create(credential=credential, created_by="the learner's page")
    return redirect(wallet_page_url(credential_id=credential.pk, key=key))


@signed_in
@require_GET
def me_record(request, address: str):
    """Their learner record (CLR 2.0) from one organisation, or towards one of its programmes, as a JSON file."""
    learner, programme = learner_record_scope(address=address, organization=request.GET.get("organisation", ""),
                                              programme=request.GET.get("programme") or None)
    try:
        record = learner_record_assemble(learner=learner, programme=programme)
    except LearnerRecordEmpty:
        return _back(request, _("No learner record yet: it needs at least one valid or expired credential."))
    response = JsonResponse(record, json_dumps_params={"indent": 2, "ensure_ascii": False})
    response["Content-Disposition"] = f'attachment; filename="{learner_record_filename(learner=learner, programme=programme)}"'
    return response


@signed_in
@require_POST
def me_data(request, address: str):
    data_copy_request(learners=learner_rows(address=address))
    return _back(request, _("Asked. We will email you a download link for a copy of your data in a few minutes."))


@private
@require_GET
def me_data_download(request, token: str):
    link = data_link_open(token=token)
    if link is None or not default_storage.exists(link.file):
        return render(request, DOOR, {"state": "data_gone", "form": AddressForm()}, status=410)
    response = FileResponse(default_storage.open(link.file, "rb"), content_type="application/zip", as_attachment=True,
                            filename=f"my-data-{link.organization.slug}.zip")
    return response
