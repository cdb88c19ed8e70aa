"""System checks for credential imports' settings (laurel.E050–E059): caught at start-up, not by the daily job."""

from django.core.checks import Error, register
from django.core.exceptions import ImproperlyConfigured

from .keeping import import_upload_retention_days


@register()
def check_import_upload_retention(app_configs, **kwargs):
    try:
        import_upload_retention_days()
    except ImproperlyConfigured as exc:
        return [Error(str(exc), hint="A number of days, e.g. 90; unset keeps uploads until staff delete them.",
                      id="laurel.E050")]
    return []
