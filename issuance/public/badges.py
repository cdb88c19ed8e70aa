"""The machine-readable side of a credential: DID documents, signed badges, status lists, OB 2.0 documents."""

import json

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from courses.models import Achievement, Organization

from ..models import Credential, RenderTemplate, StatusList
from ..openbadges.hosted import (
    achievement_image_png,
    credential_baked_png,
    ob2_assertion_for,
    ob2_badge_class_for,
    ob2_issuer_for,
)
from ..openbadges.issuer import organization_did_document
from ..openbadges.status_lists import status_list_signed
from .erased import credential_erased_response

# The signed badge never changes once issued; what can change (status) lives elsewhere.
IMMUTABLE = "public, max-age=86400, immutable"
SHORT = "public, max-age=300"
# Status must be fresh: verifiers revalidate every time.
LIVE = "no-cache"


def _json(document: dict, *, content_type: str, cache_control: str, status: int = 200) -> HttpResponse:
    response = HttpResponse(json.dumps(document, ensure_ascii=False, separators=(",", ":")), status=status,
                            content_type=f"{content_type}; charset=utf-8")
    response["Cache-Control"] = cache_control
    response["Access-Control-Allow-Origin"] = "*"  # browser-based verifiers fetch these from other origins
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _png(data: bytes, *, cache_control: str, filename: str = "") -> HttpResponse:
    response = HttpResponse(data, content_type="image/png")
    response["Cache-Control"] = cache_control
    response["Access-Control-Allow-Origin"] = "*"
    if filename:
        response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@require_GET
def issuer_did_document(request, slug):
    organization = get_object_or_404(Organization, slug=slug)
    return _json(organization_did_document(organization=organization), content_type="application/did+ld+json",
                 cache_control=SHORT)


@require_GET
def credential_json(request, credential_id):
    erased = credential_erased_response(request, credential_id=credential_id, as_kind="json")
    if erased is not None:
        return erased
    badge = Credential.objects.filter(pk=credential_id).values_list("badge", flat=True).first()
    if not badge:
        raise Http404("No signed Open Badges credential exists at this address.")
    return _json(badge, content_type="application/vc+ld+json", cache_control=IMMUTABLE)


@require_GET
def status_list(request, slug, purpose, number):
    status_list = get_object_or_404(
        StatusList.objects.select_related("organization"), organization__slug=slug, purpose=purpose, number=number
    )
    return _json(status_list_signed(status_list=status_list), content_type="application/vc+ld+json", cache_control=LIVE)


def _credential(credential_id) -> Credential:
    return get_object_or_404(
        Credential.objects.select_related("learner", "achievement__organization", "issuance__organization"),
        pk=credential_id,
    )


@require_GET
def ob2_assertion(request, credential_id):
    status, document = ob2_assertion_for(credential=_credential(credential_id))
    return _json(document, content_type="application/ld+json", cache_control=LIVE, status=status)


@require_GET
def ob2_badge_class(request, achievement_id):
    achievement = get_object_or_404(Achievement.objects.select_related("organization"), pk=achievement_id)
    document = ob2_badge_class_for(achievement=achievement, language=request.GET.get("lang", ""))
    if document is None:  # an edition in a language the achievement has no text in
        raise Http404("This achievement has no text in that language.")
    return _json(document, content_type="application/ld+json", cache_control=SHORT)


@require_GET
def ob2_badge_image(request, achievement_id):
    achievement = get_object_or_404(Achievement.objects.select_related("organization"), pk=achievement_id)
    return _png(achievement_image_png(achievement=achievement), cache_control=SHORT)


@require_GET
def ob2_issuer(request, slug):
    organization = get_object_or_404(Organization, slug=slug)
    return _json(ob2_issuer_for(organization=organization), content_type="application/ld+json", cache_control=SHORT)


@require_GET
def credential_badge_png(request, credential_id):
    erased = credential_erased_response(request, credential_id=credential_id, as_kind="file")
    if erased is not None:
        return erased
    credential = _credential(credential_id)
    if not credential.badge:
        raise Http404("This credential has no badge yet.")
    return _png(credential_baked_png(credential=credential), cache_control=SHORT, filename=f"badge-{credential.pk}.png")


@require_GET
def render_template_svg(request, sha256):
    """A credential's renderMethod template: the same bytes for ever (their digest is signed into credentials)."""
    svg = RenderTemplate.objects.filter(sha256=sha256).values_list("svg", flat=True).first()
    if svg is None:
        raise Http404("No render template has this digest.")
    response = HttpResponse(svg.encode("utf-8"), content_type="image/svg+xml; charset=utf-8")
    response["Cache-Control"] = IMMUTABLE
    response["Access-Control-Allow-Origin"] = "*"  # wallets and browser-based viewers fetch it from elsewhere
    response["X-Content-Type-Options"] = "nosniff"
    # Opened on its own, the template may show no script, frame or outside resource (its logo is inline).
    response["Content-Security-Policy"] = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; sandbox"
    return response
