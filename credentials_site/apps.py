from django.apps import AppConfig


class CredentialsSiteConfig(AppConfig):
    name = "credentials_site"
    verbose_name = "Laurel site"

    def ready(self):
        from . import checks  # noqa: F401  (registers the system checks)
