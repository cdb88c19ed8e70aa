"""django-csp's middleware, with the one addition the admin's theme needs on /admin/ pages (ADR 0009).

Every other page keeps script-src 'self' exactly; the admin adds what LAUREL_ADMIN_SCRIPT_SRC_EXTRA
lists ('unsafe-eval', for the Alpine.js expressions of django-unfold), never 'unsafe-inline'.
"""

from csp.middleware import CSPMiddleware
from django.conf import settings
from django.urls import reverse


class LaurelCSPMiddleware(CSPMiddleware):
    def process_response(self, request, response):
        extra = settings.LAUREL_ADMIN_SCRIPT_SRC_EXTRA
        if extra and request.path.startswith(reverse("admin:index")) and getattr(response, "_csp_update", None) is None:
            response._csp_update = {"script-src": list(extra)}
        return super().process_response(request, response)
