"""Site-level views that belong to no app."""

from django.db import connection
from django.http import JsonResponse


def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        database = "ok"
    except Exception as exc:  # the probe reports, it never raises
        database = f"error: {exc}"
    status = 200 if database == "ok" else 503
    return JsonResponse({"database": database}, status=status)
