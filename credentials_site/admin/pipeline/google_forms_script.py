"""A Google Forms source's Apps Script in the admin: shown and downloadable with the source's intake URL written in.

The secret is written in only on the page that shows a new secret (the one page allowed to show it);
everywhere else the script carries a placeholder and the form owner pastes the secret.
"""

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse

from issuance.sources.configure import source_intake_url
from issuance.sources.google_forms import SCRIPT_FILE_NAME, google_forms_script


def apps_script_panel(source) -> str:
    """The script with this source's URL (no secret), to copy, and the link that downloads it."""
    if not source.pk or source.dialect != "google_forms":
        return "Only a Google Forms source has a script."
    return render_to_string("admin/issuance/source/apps_script_panel.html", {
        "script": google_forms_script(intake_url=source_intake_url(source)), "file_name": SCRIPT_FILE_NAME,
        "download_url": reverse("admin:issuance_source_apps_script", args=[source.pk]),
    })


def apps_script_with_secret(source, secret: str) -> str | None:
    """The script with the URL and a new secret both written in, for the page that shows the secret once; None for other dialects."""
    if source.dialect != "google_forms":
        return None
    return google_forms_script(intake_url=source_intake_url(source), secret=secret)


def apps_script_download(model_admin, request, object_id) -> HttpResponse:
    """GET: the script as a file, its URL filled in; for those who may view the source."""
    source = model_admin.get_object(request, object_id)
    if source is None:
        return model_admin._get_obj_does_not_exist_redirect(request, model_admin.opts, object_id)
    if not model_admin.has_view_permission(request, source) or source.dialect != "google_forms":
        raise PermissionDenied
    response = HttpResponse(google_forms_script(intake_url=source_intake_url(source)), content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{SCRIPT_FILE_NAME}"'
    return response
