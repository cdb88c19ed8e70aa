from django.apps import AppConfig


class CoursesConfig(AppConfig):
    name = "courses"
    verbose_name = "Catalogue"

    def ready(self):
        # Every new organisation gets its signing key in the same transaction that creates it.
        from .keys import rotation  # noqa: F401
        # A change to an organisation's templates, assets or texts moves its catalogue version (the receivers there).
        from . import catalogue_cache  # noqa: F401
