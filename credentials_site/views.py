"""Site-level views that belong to no app."""

from django.db import connection
from django.http import JsonResponse

from issuance.health import broker_health, pipeline_health


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
    healthy = database == "ok" and body["broker"]["status"] == "ok" and not body["pipeline"]["stalled"]
    return JsonResponse(body, status=200 if healthy else 503)
