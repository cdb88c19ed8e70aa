"""Credential lifecycle: expired and superseded told apart, renewal reminders remembered (the daily job is in issuance/schedules.py)."""

import django.db.models.deletion
from django.db import migrations, models


def superseded_apart_from_expired(apps, schema_editor):
    # Until now "expired" meant "a newer credential replaced it"; such rows are superseded.
    Credential = apps.get_model("issuance", "Credential")
    Credential.objects.filter(status="expired", replaced_by__isnull=False).update(status="superseded")


def superseded_back(apps, schema_editor):
    apps.get_model("issuance", "Credential").objects.filter(status="superseded").update(status="expired")


class Migration(migrations.Migration):

    dependencies = [
        ('issuance', '0012_lms_dialects'),
    ]

    operations = [
        migrations.AlterField(
            model_name='credential',
            name='status',
            field=models.CharField(choices=[('active', 'Active'), ('suspended', 'Suspended'), ('revoked', 'Revoked'), ('expired', 'Expired'), ('superseded', 'Superseded (renewed or replaced)')], db_index=True, default='active', max_length=10),
        ),
        migrations.CreateModel(
            name='RenewalReminder',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('offset_days', models.IntegerField(help_text='Days before expiry (negative: after).')),
                ('due_on', models.DateField(help_text="The day, in the organisation's time zone, this reminder was due.")),
                ('outcome', models.CharField(choices=[('queued', 'Handed to the outbox'), ('skipped', 'Skipped: a later reminder was due')], max_length=10)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('credential', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='renewal_reminders', to='issuance.credential')),
                ('message', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='issuance.outboxmessage')),
            ],
            options={
                'ordering': ['-created_at'],
                'constraints': [models.UniqueConstraint(fields=('credential', 'offset_days'), name='renewal_reminder_once_per_offset')],
            },
        ),
        migrations.RunPython(superseded_apart_from_expired, superseded_back),
        migrations.AlterField(
            model_name='outboxmessage',
            name='kind',
            field=models.CharField(choices=[('credential', 'Credential issued'), ('still_needed', 'What you still need'), ('staff_digest', 'Staff exception digest'), ('renewal_reminder', 'Renewal reminder'), ('revocation_notice', 'Revocation notice'), ('test', 'Test message')], max_length=20),
        ),
        migrations.CreateModel(
            name='SignedBadgeRevision',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('document', models.JSONField(help_text='The signed credential exactly as it was issued before the reissue.')),
                ('sha256', models.CharField(max_length=64)),
                ('reason', models.TextField()),
                ('replaced_at', models.DateTimeField(auto_now_add=True)),
                ('credential', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='badge_revisions', to='issuance.credential')),
            ],
            options={
                'ordering': ['-replaced_at'],
            },
        ),
        migrations.AddField(
            model_name='outboxmessage',
            name='released_at',
            field=models.DateTimeField(blank=True, help_text="When staff released it while its course's sending was paused.", null=True),
        ),
        migrations.AlterField(
            model_name='outboxmessage',
            name='status',
            field=models.CharField(choices=[('queued', 'Queued'), ('sending', 'Sending'), ('sent', 'Sent'), ('delivered', 'Delivered'), ('failed', 'Failed'), ('bounced', 'Bounced'), ('complained', 'Complained (marked as spam)'), ('suppressed', 'Suppressed (address on the suppression list)'), ('held', "Held (the course's sending is paused)")], db_index=True, default='queued', max_length=12),
        ),
    ]
