from django.apps import AppConfig


class CredentialsSiteConfig(AppConfig):
    name = "credentials_site"
    verbose_name = "Laurel site"

    def ready(self):
        from django.db.models.signals import post_migrate

        from . import checks  # noqa: F401  (registers the system checks)
        from .roles import roles_sync

        # Once per migrated app, so the roles see every permission once the last app has migrated.
        post_migrate.connect(roles_sync, dispatch_uid="laurel-roles-sync")
