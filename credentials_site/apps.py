from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig


class CredentialsSiteConfig(AppConfig):
    name = "credentials_site"
    verbose_name = "Laurel site"

    def ready(self):
        from django.db.models.signals import post_migrate

        from . import checks  # noqa: F401  (registers the system checks)
        from .roles import roles_sync

        # Once per migrated app, so the roles see every permission once the last app has migrated.
        post_migrate.connect(roles_sync, dispatch_uid="laurel-roles-sync")


class LaurelAdminConfig(AdminConfig):
    """The admin, on a site whose sign-in takes a two-factor code (credentials_site.admin_site)."""

    default_site = "credentials_site.admin_site.LaurelAdminSite"
