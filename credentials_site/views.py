"""Site-level views that belong to no app."""

from functools import cache

from django.conf import settings
from django.db import connection
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.views.defaults import page_not_found as django_page_not_found

from issuance.health import broker_health, pipeline_health, worker_hosts


def healthz(request):
    """200 when the database and broker answer and no issuance has waited past the threshold; else 503."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        database = "ok"
    except Exception as exc:  # the probe reports, it never raises
        database = f"error: {exc}"
    body = {"database": database}
    if database == "ok":
        body["broker"] = broker_health()
        body["pipeline"] = pipeline_health()
        # Shown, not counted against this web node: a stalled worker host is its supervisor's to restart.
        hosts = worker_hosts()
        body["workers"] = {"hosts": hosts, "stalled": [entry["host"] for entry in hosts if entry["stalled"]]}
    healthy = database == "ok" and body["broker"]["status"] == "ok" and not body["pipeline"]["stalled"]
    return JsonResponse(body, status=200 if healthy else 503)


def page_not_found(request, exception):
    """A JSON 404 under /api/, as the schema documents, instead of an HTML page an API client cannot read."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": f"No API endpoint at {request.path[:200]}."}, status=404)
    return django_page_not_found(request, exception)


def home(request):
    """The site's root: a visitor arriving here has a credential to check, so the verify page (staff sign in at /admin/)."""
    return HttpResponseRedirect(reverse("credential-verify"))


@cache
def _favicon() -> bytes:
    return (settings.BASE_DIR / "static" / "laurel" / "favicon.ico").read_bytes()


def favicon(request):
    """/favicon.ico, which browsers ask for on every page whatever the page links: Laurel's mark, cached a day."""
    response = HttpResponse(_favicon(), content_type="image/x-icon")
    response["Cache-Control"] = "public, max-age=86400"
    return response
