"""The database cache's table on every database, not only where the settings chose it.

A worker without Redis (the ORM broker on PostgreSQL, or a deployment that drops Redis) falls back to
the database cache (credentials_site/settings.py); 0006 created the table only when the process that
migrated used that cache itself, so such a worker met a missing table on every poll.
"""

from django.core.management import call_command
from django.db import migrations

TABLE = "laurel_cache"  # credentials_site/settings.py, the embedded profile's CACHES


def create_cache_table(apps, schema_editor):
    # createcachetable skips a table that exists; named explicitly, it does not depend on CACHES.
    call_command("createcachetable", TABLE, database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("issuance", "0022_event_enrichment_retry")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
