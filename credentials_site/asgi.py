"""ASGI entry point."""

import os
import sys

from django.core.asgi import get_asgi_application
from django.core.exceptions import ImproperlyConfigured

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "credentials_site.settings")
try:
    application = get_asgi_application()
except ImproperlyConfigured as exc:
    sys.exit(f"laurel: refusing to start: {exc}")
