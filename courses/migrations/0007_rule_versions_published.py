"""Rule set versions become drafts until published; achievements may take their criteria from the rules;
a course may name its retake page.

No data changes meaning: every existing version was live while it was the newest, so each is marked
published at its creation time, and the version that decided yesterday's completions stays live.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.models import F


def publish_existing_versions(apps, schema_editor):
    RuleSetVersion = apps.get_model("courses", "RuleSetVersion")
    RuleSetVersion.objects.filter(published_at__isnull=True).update(published_at=F("created_at"))


class Migration(migrations.Migration):

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ('courses', '0006_raw_body_retention'),
    ]

    operations = [
        migrations.AddField(
            model_name='rulesetversion',
            name='published_at',
            field=models.DateTimeField(blank=True, editable=False, help_text='Empty while a draft.', null=True),
        ),
        migrations.AddField(
            model_name='rulesetversion',
            name='published_by',
            field=models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='achievement',
            name='criteria_follows_rules',
            field=models.BooleanField(default=False, help_text='Rewrite the criteria from the live rules of the courses that award this, each time a rule version is published.', verbose_name='criteria follow the rules'),
        ),
        migrations.AddField(
            model_name='historicalachievement',
            name='criteria_follows_rules',
            field=models.BooleanField(default=False, help_text='Rewrite the criteria from the live rules of the courses that award this, each time a rule version is published.', verbose_name='criteria follow the rules'),
        ),
        migrations.AddField(
            model_name='course',
            name='retake_url',
            field=models.URLField(blank=True, help_text='Where a learner who did not meet the requirements books a retake; linked from the “what you still need” email. Empty: no link.', verbose_name='retake page'),
        ),
        migrations.AddField(
            model_name='historicalcourse',
            name='retake_url',
            field=models.URLField(blank=True, help_text='Where a learner who did not meet the requirements books a retake; linked from the “what you still need” email. Empty: no link.', verbose_name='retake page'),
        ),
        migrations.RunPython(publish_existing_versions, migrations.RunPython.noop),
    ]
