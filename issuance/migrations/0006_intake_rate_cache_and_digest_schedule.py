"""The shared cache table the webhook's rate limit counts in.

It also created the staff digest's schedule; that is declared in issuance/schedules.py now (ADR 0005).
"""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    # The database cache is the embedded profile's cross-process cache; with Redis this does nothing.
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [
        ("issuance", "0005_intake_queue_and_digests"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [
        migrations.RunPython(create_cache_table, migrations.RunPython.noop),
        migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop),
    ]
