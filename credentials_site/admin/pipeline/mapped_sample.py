"""A mapped source's sample panel: a pasted delivery (or one of the last received) read as the mapping on the page says.

Two answers to the same reading: a page (the panel's button, without a script) and a small JSON
endpoint the page's script calls as staff type. Both are POST (CSRF-checked by the admin), reach the
source through the admin's queryset (the staff member's organisations only; another's is a 404),
store nothing, and are never cached: the sample signature is made with the source's secret.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import reverse

from issuance.intake.mapped_sample import headers_parse, mapped_event_read, mapped_sample_read
from issuance.sources.mapped.mapping import MappingError, mapping_clean

from .mapping_fields import FIELD_NAMES, mapping_errors_by_field, mapping_from_fields

RECENT_DELIVERIES = 10
MAX_SAMPLE_BYTES = 1_000_000


def sample_panel(source) -> str:
    """The panel's fields: the body, its headers, and a pick of the last deliveries this source received."""
    recent = source.events.order_by("-received_at").only("id", "external_id", "received_at", "status")[:RECENT_DELIVERIES] if source.pk else []
    return render_to_string("admin/issuance/source/sample_panel.html", {
        "recent": recent, "live_url": reverse("admin:issuance_source_sample_live", args=[source.pk]) if source.pk else "",
    })


def _source(model_admin, request, object_id):
    source = model_admin.get_object(request, object_id)
    if source is None:
        raise Http404("No such source.")
    if not model_admin.has_change_permission(request, source) or source.dialect != "mapped":
        raise PermissionDenied
    return source


def _event(source, event_id: str):
    if not event_id:
        return None
    try:
        return source.events.filter(pk=event_id).first()
    except (ValueError, ValidationError):
        return None


def _draft(request) -> tuple[dict | None, dict]:
    """The mapping as the page's fields hold it now (None when the page sent none), or its errors by field."""
    if not any(name in request.POST for name in FIELD_NAMES):
        return None, {}
    try:
        return mapping_clean(mapping_from_fields(request.POST)), {}
    except MappingError as exc:
        return None, mapping_errors_by_field(exc.errors)


def _report(source, request, mapping) -> dict:
    event = _event(source, request.POST.get("sample_event", ""))
    if event is not None:
        return mapped_event_read(source=source, event=event, mapping=mapping)
    body = request.POST.get("sample_body", "").encode("utf-8")[:MAX_SAMPLE_BYTES]
    return mapped_sample_read(source=source, body=body, headers=headers_parse(request.POST.get("sample_headers", "")), mapping=mapping)


def sample_live(model_admin, request, object_id) -> JsonResponse:
    """JSON for the page's script: the mapping's errors by field, or the reading of the sample with the mapping on the page."""
    source = _source(model_admin, request, object_id)
    mapping, errors = _draft(request)
    if errors:
        report = {"mapping_errors": errors, "authenticated": None, "auth_detail": "", "signature": "", "events": []}
    else:
        report = {"mapping_errors": {}, **_report(source, request, mapping)}
        if request.POST.get("sample_event") and _event(source, request.POST["sample_event"]) is None:
            report["auth_detail"] = "That delivery is not one of this source's; read as pasted. " + report["auth_detail"]
    picked = sample_event_text(source, request.POST.get("sample_event", ""))
    if picked is not None:
        report["picked"] = picked
    response = JsonResponse(report)
    response["Cache-Control"] = "no-store"
    return response


def sample_page(model_admin, request, object_id):
    """The panel's button without a script: the same reading, as a page of its own, with the saved mapping."""
    source = _source(model_admin, request, object_id)
    report = _report(source, request, None)
    context = {**model_admin.admin_site.each_context(request), "opts": model_admin.opts, "source": source, "report": report,
               "change_url": reverse("admin:issuance_source_change", args=[source.pk]), "title": f"Sample delivery for {source.name}"}
    response = TemplateResponse(request, "admin/issuance/source/sample.html", context)
    response["Cache-Control"] = "no-store"
    return response


def sample_event_text(source, event_id: str) -> dict | None:
    """A received delivery's stored body and headers, to show in the panel when staff pick it; None when not this source's."""
    event = _event(source, event_id)
    if event is None:
        return None
    return {"body": bytes(event.body).decode("utf-8", errors="replace"),
            "headers": "\n".join(f"{name}: {value}" for name, value in (event.headers or {}).items())}
