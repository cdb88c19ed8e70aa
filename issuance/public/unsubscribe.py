"""The address a learner email's List-Unsubscribe names: a POST (RFC 8058 one-click, or the page's button) unsubscribes.

A GET only shows a button: link scanners and previews fetch every URL in a message, and must not
unsubscribe anyone. Unsubscribing puts the address on the organisation's suppression list, as staff
did by hand for a mailto request.
"""

from django.http import HttpResponseBadRequest
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from courses.models import Organization

from ..delivery.tracking import suppression_add
from ..email.unsubscribe import ONE_CLICK, unsubscribe_token_read
from ..models import Suppression

TEMPLATE = "laurel/public/unsubscribe.html"


@csrf_exempt  # mailbox providers POST without a session; the signed token is the authority
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe_page(request, token: str):
    found = unsubscribe_token_read(token=token)
    organization = Organization.objects.filter(pk=found[0]).first() if found else None
    if organization is None:
        return render(request, TEMPLATE, {"organization": None}, status=404)
    context = {"organization": organization, "done": False}
    if request.method == "POST":
        if request.POST.get("List-Unsubscribe") != ONE_CLICK.partition("=")[2]:
            return HttpResponseBadRequest(f"Expected the form field {ONE_CLICK} (RFC 8058).", content_type="text/plain")
        suppression_add(organization_id=organization.pk, address=found[1], reason=Suppression.Reason.UNSUBSCRIBED,
                        detail="One-click unsubscribe (List-Unsubscribe-Post) or the unsubscribe page.")
        context["done"] = True
    return render(request, TEMPLATE, context)
