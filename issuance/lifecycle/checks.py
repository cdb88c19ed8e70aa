"""System checks for the lifecycle's settings (laurel.E040–E049): caught at start-up, not by the first bulk send."""

from django.core.checks import Error, register
from django.core.exceptions import ImproperlyConfigured

from .bulk import bulk_confirm_over


@register()
def check_bulk_confirm_over(app_configs, **kwargs):
    try:
        limit = bulk_confirm_over()
    except ImproperlyConfigured as exc:
        return [Error(str(exc), hint="A number of learners, e.g. 200.", id="laurel.E040")]
    if limit < 0:
        return [Error(f"LAUREL_BULK_CONFIRM_OVER must be 0 or more, not {limit}.",
                      hint="0 asks for the typed count before any bulk email.", id="laurel.E040")]
    return []
