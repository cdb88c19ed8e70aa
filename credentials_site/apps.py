from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig


class CredentialsSiteConfig(AppConfig):
    name = "credentials_site"
    verbose_name = "Laurel site"

    def ready(self):
        from . import checks  # noqa: F401  (registers the system checks)


class LaurelAdminConfig(AdminConfig):
    """The admin, on a site whose sign-in takes a two-factor code (credentials_site.admin.site)."""

    default_site = "credentials_site.admin.site.LaurelAdminSite"

    def ready(self):
        super().ready()  # every app's admin module
        # Laurel's model admins, all in the staff UI's package (ADR 0010).
        from .admin import catalogue, audit, pipeline  # noqa: F401,I001  (registers them; in the order the index lists)
