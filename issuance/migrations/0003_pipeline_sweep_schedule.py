"""Created the every-minute sweep schedule; now a no-op kept so the migration graph stays valid.

The schedule is declared in issuance/schedules.py and written after every `migrate` (ADR 0005).
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("issuance", "0002_pipeline_claims_and_effects"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop)]
