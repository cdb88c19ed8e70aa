import sys

from django.apps import AppConfig


class IssuanceConfig(AppConfig):
    name = "issuance"
    verbose_name = "Issuance"

    def ready(self):
        # Delivery lives in a sub-package: connect its tracking receiver and register its admin here.
        from .delivery import admin, tracking  # noqa: F401
        from .lifecycle import checks  # noqa: F401  (registers the lifecycle's system checks)

        if sys.argv[1:2] == ["qcluster"]:
            # django-q2 forks its workers (and every recycled one) from this process: warmed here, each
            # starts with the fonts loaded instead of paying for them on its first certificate.
            from .certificates.warm import certificate_renderer_warm

            certificate_renderer_warm()
