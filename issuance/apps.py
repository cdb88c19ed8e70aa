from django.apps import AppConfig


class IssuanceConfig(AppConfig):
    name = "issuance"
    verbose_name = "Issuance"

    def ready(self):
        # Delivery lives in a sub-package: connect its tracking receiver and register its admin here.
        from .delivery import admin, tracking  # noqa: F401
