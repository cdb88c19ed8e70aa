"""The certificate designer's side of the template page: what the Design tab starts from, and its endpoints.

The design is turned into the template's HTML and CSS here, on the server, by the one function that
also reads it back (courses/templating/certificate_design.py), so the browser never writes template
source of its own: it posts the design and puts what comes back in the code view's fields. The add
page designs too: it starts from the starter design, with the images and brand colours of each
organisation the user may add a template in (the page shows those of the organisation chosen).
"""

import json
import mimetypes

from django.http import Http404, HttpResponse, JsonResponse
from django.urls import reverse

from courses.models import CertificateAsset
from courses.templating.certificate_design import (
    FONTS, ORGANIZATION_LOGO, PAGE_POINTS, TEXT_FIELDS, DesignRead, DesignRefused, design_read, design_starter,
    design_template,
)

from issuance.certificates.credential_certificate import organization_assets
from issuance.certificates.layered import VARIABLE_FIELDS
from issuance.certificates.samples import SAMPLE_NAMES, sample_context

MAX_DESIGN_BYTES = 256 * 1024
MAX_ORGANIZATIONS = 50  # on the add page, whose images and colours the page carries (a superuser may reach many)
IMAGE_KINDS = (CertificateAsset.Kind.LOGO, CertificateAsset.Kind.SEAL, CertificateAsset.Kind.SIGNATURE, CertificateAsset.Kind.BACKGROUND)


def design_state(template) -> dict:
    """What the Design tab of a saved template opens with: its design (or the note why not), and its choices."""
    organization = template.organization
    asset_url = lambda name: reverse("admin:courses_certificatetemplate_design_asset", args=[template.pk, name])  # noqa: E731
    return _state(
        design_read(html=template.html, css=template.css), [organization], asset_url=lambda _organization, name: asset_url(name),
        urls={"template": reverse("admin:courses_certificatetemplate_design_template", args=[template.pk]),
              "read": reverse("admin:courses_certificatetemplate_design_read", args=[template.pk])},
    )


def design_state_new(organizations, *, html: str | None = None, css: str | None = None) -> dict:
    """What the Design tab of the add page opens with: the starter design (or the posted code read back, when the
    page comes back with an error), and the choices of each organisation the template may belong to."""
    read = DesignRead(design_starter("A4", "landscape")) if html is None else design_read(html=html, css=css or "")
    return _state(
        read, list(organizations[:MAX_ORGANIZATIONS]),
        asset_url=lambda organization, name: reverse("admin:courses_certificatetemplate_design_new_asset",
                                                     args=[organization.pk, name]),
        urls={"template": reverse("admin:courses_certificatetemplate_design_new_template"),
              "read": reverse("admin:courses_certificatetemplate_design_new_read")},
    )


def _state(read: DesignRead, organizations: list, *, asset_url, urls: dict) -> dict:
    assets, colours = [], {}
    for organization in organizations:
        assets.append({"name": ORGANIZATION_LOGO, "label": "Organisation logo", "organization": organization.pk,
                       "url": asset_url(organization, ORGANIZATION_LOGO)})
        for asset in organization.certificate_assets.filter(kind__in=IMAGE_KINDS).order_by("kind", "name"):
            assets.append({"name": asset.name, "label": f"{asset.name} ({asset.get_kind_display().lower()})",
                           "organization": organization.pk, "url": asset_url(organization, asset.name)})
        colours[organization.pk] = [["Primary colour", organization.primary_color.lower()],
                                    ["Accent colour", organization.accent_color.lower()]]
    return {
        "design": read.design,
        "note": read.note,
        "starters": {f"{size} {orientation}": design_starter(size, orientation)
                     for size in PAGE_POINTS for orientation in ("landscape", "portrait")},
        "fields": [[name, label] for name, label in TEXT_FIELDS.items()],
        "learner_fields": [name for name in TEXT_FIELDS if name in VARIABLE_FIELDS],  # drawn over the design (layered.py)
        "samples": design_samples(organizations[0] if len(organizations) == 1 else None),
        "fonts": list(FONTS),
        "assets": assets,
        "colours": colours,
        "pages": PAGE_POINTS,
        "urls": urls,
    }


def design_samples(organization) -> dict[str, str]:
    """What each merge field shows on the canvas: the preview's sample learner, in this organisation's name."""
    context = sample_context(SAMPLE_NAMES["latin"], organization_name=organization.name if organization else "Your organisation")
    return {name: str(context[name]) for name in TEXT_FIELDS}


def design_template_response(request) -> JsonResponse:
    """The posted design as template HTML and CSS, or every problem with it (nothing is saved here)."""
    if len(request.body) > MAX_DESIGN_BYTES:
        return JsonResponse({"problems": [f"The design is larger than {MAX_DESIGN_BYTES // 1024} KB."]}, status=413)
    try:
        posted = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return JsonResponse({"problems": ["The design could not be read as JSON."]}, status=400)
    try:
        html, css = design_template(posted.get("design") if isinstance(posted, dict) else None)
    except DesignRefused as refused:
        return JsonResponse({"problems": refused.problems}, status=422)
    return JsonResponse({"html": html, "css": css})


def design_read_response(request) -> JsonResponse:
    """The design behind the posted (unsaved) HTML and CSS, or the note saying why the designer cannot show them."""
    read = design_read(html=request.POST.get("html", ""), css=request.POST.get("css", ""))
    return JsonResponse({"design": read.design, "note": read.note})


def design_asset_response(organization, name: str) -> HttpResponse:
    """One of an organisation's images, for the design surface (the PDF embeds it itself)."""
    assets, logo = organization_assets(organization=organization)
    if name == ORGANIZATION_LOGO:
        name = logo
    kinds = dict(organization.certificate_assets.values_list("name", "kind"))
    if not name or name not in assets or (name != logo and kinds.get(name) not in IMAGE_KINDS):
        raise Http404("No such image.")
    content_type = "image/png"
    stored = organization.certificate_assets.filter(name=name).values_list("file", flat=True).first()
    if stored:
        content_type = mimetypes.guess_type(stored)[0] or content_type
    response = HttpResponse(assets[name], content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response
