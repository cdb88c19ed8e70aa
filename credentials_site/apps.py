from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig


class CredentialsSiteConfig(AppConfig):
    name = "credentials_site"
    verbose_name = "Laurel site"

    def ready(self):
        from . import checks  # noqa: F401  (registers the system checks)


class LaurelAdminConfig(AdminConfig):
    """The admin, on a site whose sign-in takes a two-factor code (credentials_site.admin_site)."""

    default_site = "credentials_site.admin_site.LaurelAdminSite"
