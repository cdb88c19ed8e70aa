"""Per-achievement validity start, renewal window and reminder offsets; per-course page and renewal page."""

import courses.validators
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('courses', '0004_organization_signing_keys'),
    ]

    operations = [
        migrations.AddField(
            model_name='achievement',
            name='reminder_days_after',
            field=models.PositiveIntegerField(blank=True, help_text='Optionally, one more reminder this many days after it expired.', null=True),
        ),
        migrations.AddField(
            model_name='achievement',
            name='reminder_days_before',
            field=models.CharField(blank=True, default='90,30,0', help_text='Renewal reminders, in days before expiry, separated by commas (0: the day it expires). Empty: none before.', max_length=100, validators=[courses.validators.validate_reminder_days]),
        ),
        migrations.AddField(
            model_name='achievement',
            name='renewal_window_days',
            field=models.PositiveIntegerField(default=90, help_text='A completion this many days or fewer before expiry renews the credential instead of being a duplicate.'),
        ),
        migrations.AddField(
            model_name='achievement',
            name='validity_starts',
            field=models.CharField(choices=[('completion', 'the completion date'), ('issue', 'the issue date')], default='completion', help_text='The day the validity period starts: when the learner completed the course, or when Laurel issued the credential.', max_length=10, verbose_name='validity counts from'),
        ),
        migrations.AddField(
            model_name='course',
            name='renewal_url',
            field=models.URLField(blank=True, help_text='Where renewal reminders send learners. Empty: the course page.', verbose_name='renewal page'),
        ),
        migrations.AddField(
            model_name='course',
            name='url',
            field=models.URLField(blank=True, help_text='Where learners find and book this course.', verbose_name='course page'),
        ),
        migrations.AddField(
            model_name='historicalachievement',
            name='reminder_days_after',
            field=models.PositiveIntegerField(blank=True, help_text='Optionally, one more reminder this many days after it expired.', null=True),
        ),
        migrations.AddField(
            model_name='historicalachievement',
            name='reminder_days_before',
            field=models.CharField(blank=True, default='90,30,0', help_text='Renewal reminders, in days before expiry, separated by commas (0: the day it expires). Empty: none before.', max_length=100, validators=[courses.validators.validate_reminder_days]),
        ),
        migrations.AddField(
            model_name='historicalachievement',
            name='renewal_window_days',
            field=models.PositiveIntegerField(default=90, help_text='A completion this many days or fewer before expiry renews the credential instead of being a duplicate.'),
        ),
        migrations.AddField(
            model_name='historicalachievement',
            name='validity_starts',
            field=models.CharField(choices=[('completion', 'the completion date'), ('issue', 'the issue date')], default='completion', help_text='The day the validity period starts: when the learner completed the course, or when Laurel issued the credential.', max_length=10, verbose_name='validity counts from'),
        ),
        migrations.AddField(
            model_name='historicalcourse',
            name='renewal_url',
            field=models.URLField(blank=True, help_text='Where renewal reminders send learners. Empty: the course page.', verbose_name='renewal page'),
        ),
        migrations.AddField(
            model_name='historicalcourse',
            name='url',
            field=models.URLField(blank=True, help_text='Where learners find and book this course.', verbose_name='course page'),
        ),
        migrations.AlterField(
            model_name='emailtemplate',
            name='kind',
            field=models.CharField(choices=[('credential', 'Credential issued'), ('still_needed', 'What you still need'), ('staff_digest', 'Staff exception digest'), ('renewal_reminder', 'Renewal reminder'), ('revocation_notice', 'Revocation notice')], max_length=20),
        ),
        migrations.AlterField(
            model_name='historicalemailtemplate',
            name='kind',
            field=models.CharField(choices=[('credential', 'Credential issued'), ('still_needed', 'What you still need'), ('staff_digest', 'Staff exception digest'), ('renewal_reminder', 'Renewal reminder'), ('revocation_notice', 'Revocation notice')], max_length=20),
        ),
        migrations.AddField(
            model_name='course',
            name='sending_paused',
            field=models.BooleanField(default=False, help_text="Hold this course's emails to learners in the outbox (e.g. while checking a new template or a large import); release them from the outbox in one action."),
        ),
        migrations.AddField(
            model_name='historicalcourse',
            name='sending_paused',
            field=models.BooleanField(default=False, help_text="Hold this course's emails to learners in the outbox (e.g. while checking a new template or a large import); release them from the outbox in one action."),
        ),
    ]
