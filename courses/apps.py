from django.apps import AppConfig


class CoursesConfig(AppConfig):
    name = "courses"
    verbose_name = "Catalogue"

    def ready(self):
        # Every new organisation gets its signing key in the same transaction that creates it.
        from .keys import rotation  # noqa: F401
