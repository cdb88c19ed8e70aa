"""The wallet endpoints (LCW exchange, OpenID4VCI) and the learner's wallet page: thin, over the services."""

from django.http import Http404, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from courses.models import Organization

from ..bodies import BodyRefused, json_request_parse
from . import lcw, oid4vci
from .offers import OfferRefused


def _json(document: dict, *, status: int = 200) -> JsonResponse:
    response = JsonResponse(document, status=status, json_dumps_params={"ensure_ascii": False})
    # Codes, tokens and nonces are single-use secrets: never cached (RFC 6749 §5.1).
    response["Cache-Control"] = "no-store"
    return response


def _error(exc: OfferRefused, *, status: int | None = None) -> JsonResponse:
    response = _json({"error": exc.code, "error_description": str(exc)}, status=status or exc.status)
    if exc.code == "invalid_token":
        response["WWW-Authenticate"] = f'Bearer error="invalid_token", error_description="{exc}"'
    return response


def _body(request):
    """The JSON body through the one bounded parser (size, depth, storable text), `{}` when empty."""
    try:
        return json_request_parse(request.body, empty={})
    except BodyRefused as exc:
        raise OfferRefused(f"The request body cannot be read: {exc.detail}") from None


def _organization(slug: str) -> Organization:
    organization = Organization.objects.filter(slug=slug).first()
    if organization is None:
        raise Http404(f"No credential issuer {slug!r}.")
    return organization


# --- Learner Credential Wallet ------------------------------------------------------------------


@require_GET
def lcw_interaction_view(request, code):
    try:
        return _json(lcw.lcw_interaction(code=code))
    except OfferRefused as exc:
        return _error(exc)


@csrf_exempt
@require_POST
def lcw_exchange_view(request, code):
    try:
        return _json(lcw.lcw_exchange(code=code, body=_body(request)))
    except OfferRefused as exc:
        return _error(exc)


# --- OpenID4VCI ---------------------------------------------------------------------------------


@require_GET
def issuer_metadata_view(request, slug):
    return _json(oid4vci.issuer_metadata(organization=_organization(slug)))


@require_GET
def authorization_server_metadata_view(request, slug):
    return _json(oid4vci.authorization_server_metadata(organization=_organization(slug)))


@require_GET
def credential_offer_view(request, slug, code):
    try:
        return _json(oid4vci.credential_offer(organization=_organization(slug), code=code))
    except OfferRefused as exc:
        return _error(exc)


@csrf_exempt
@require_POST
def token_view(request, slug):
    organization = _organization(slug)
    try:
        return _json(oid4vci.token_issue(organization=organization, form=request.POST))
    except OfferRefused as exc:
        return _error(exc, status=400)  # RFC 6749 §5.2: every token error is a 400


@csrf_exempt
@require_POST
def nonce_view(request, slug):
    return _json(oid4vci.nonce_issue(organization=_organization(slug)))


@csrf_exempt
@require_POST
def credential_view(request, slug):
    organization = _organization(slug)
    try:
        body = _body(request)
        return _json(oid4vci.credential_issue(organization=organization,
                                              authorization=request.headers.get("Authorization", ""), body=body))
    except OfferRefused as exc:
        return _error(exc, status=401 if exc.code == "invalid_token" else 400)
