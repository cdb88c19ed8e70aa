"""System check (database tag): every active source's settings still valid for its dialect.

A source saved before a setting became required, or edited in the database, would otherwise fail
on its first completion. Run with `manage.py check --database default`.
"""

from django.core.checks import Error, Tags, register
from django.db import DatabaseError

from ..models import Source

from .configure import source_secret_check
from .registry import DIALECTS
from .settings_schema import SettingsError, source_settings_validate


@register(Tags.database)
def sources_settings_check(app_configs=None, databases=None, **kwargs):
    if not databases:
        return []
    problems = []
    try:
        sources = list(Source.objects.filter(is_active=True).only("slug", "dialect", "settings", "secret_settings", "signing_secret"))
    except DatabaseError:
        return []  # not migrated yet: migrate's own checks say so
    for source in sources:
        dialect = DIALECTS.get(source.dialect)
        if dialect is None:
            problems.append(Error(f"Source {source.slug!r} has the unknown dialect {source.dialect!r}.", id="laurel.E020"))
            continue
        try:
            source_settings_validate(dialect=dialect, values={**source.settings, **source.secret_settings})
            source_secret_check(dialect_name=dialect.name, secret=source.signing_secret, settings={**source.settings, **source.secret_settings})
        except SettingsError as exc:
            problems.append(Error(f"Source {source.slug!r}: {exc}", hint="Fix it in the admin or with manage.py source_add.", id="laurel.E020"))
    return problems
