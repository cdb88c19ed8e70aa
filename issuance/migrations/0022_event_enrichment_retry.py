# Completion events: tries at the sender's API (Moodle web services) and when to ask again; the second secret's help.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('issuance', '0021_outbox_invitation_kind'),
    ]

    operations = [
        migrations.AddField(
            model_name='completionevent',
            name='enrichment_attempts',
            field=models.PositiveSmallIntegerField(default=0, help_text="Tries at the sender's API (Moodle web services) that failed for a passing reason."),
        ),
        migrations.AddField(
            model_name='completionevent',
            name='next_attempt_at',
            field=models.DateTimeField(blank=True, help_text="When the worker asks the sender's API again (LAUREL_ENRICHMENT_RETRY_SECONDS).", null=True),
        ),
        migrations.AlterField(
            model_name='source',
            name='signing_secret_next',
            field=models.CharField(blank=True, help_text="A second accepted secret: a new one while the sender rotates to it, or the previous one after 'Generate a new secret'. Clear it once the LMS sends with the main secret.", max_length=200),
        ),
    ]
