"""The shared cache table the webhook's rate limit counts in, and the staff digest's schedule."""

from django.core.management import call_command
from django.db import migrations

DIGEST_SCHEDULE = "laurel-staff-digests"


def create_cache_table(apps, schema_editor):
    # The database cache is the embedded profile's cross-process cache; with Redis this does nothing.
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


def schedule_staff_digests(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.update_or_create(
        name=DIGEST_SCHEDULE,
        defaults={
            "func": "issuance.intake.digests.staff_digests_send",
            "schedule_type": "I",
            "minutes": 1,
            "repeats": -1,
        },
    )


def unschedule_staff_digests(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=DIGEST_SCHEDULE).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("issuance", "0005_intake_queue_and_digests"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [
        migrations.RunPython(create_cache_table, migrations.RunPython.noop),
        migrations.RunPython(schedule_staff_digests, unschedule_staff_digests),
    ]
