"""Sources' signing secrets and secret settings, kept in clear until now, are encrypted with the key encryption key
(as connections' secrets are): the columns become text, each value is encrypted in place, and the fields then read
them back."""

import courses.keys.fields
from django.db import migrations, models

from courses.keys.crypto import secret_decrypt, secret_encrypt

SECRET_HELP = ("What the dialect authenticates with: whsec_… (generic, learndash), the shared token (moodle), the API key "
               "(thinkific; talentlms, which Laurel polls with it), the HMAC secret (teachable) or the password (xapi).")
NEXT_HELP = ("A second accepted secret: a new one while the sender rotates to it, or the previous one after 'Generate a "
             "new secret'. Clear it once the LMS sends with the main secret.")
SETTINGS_HELP = "The dialect's secret settings (e.g. a web-services token); never shown, kept encrypted."
FIELDS = ("signing_secret", "signing_secret_next", "secret_settings")
EMPTY_JSON = ("", "{}")


def _rewrite(apps, change):
    Source = apps.get_model("issuance", "Source")
    for source in Source.objects.only(*FIELDS).iterator():
        values = {name: change(name, getattr(source, name)) for name in FIELDS}
        if any(values[name] != getattr(source, name) for name in FIELDS):
            Source.objects.filter(pk=source.pk).update(**values)


def _encrypted(name, text):
    if name == "secret_settings" and text in EMPTY_JSON:
        return ""  # what the field stores for no secret settings
    return secret_encrypt(text=text) if text else text


def _decrypted(name, token):
    text = secret_decrypt(token=token) if token else token
    return text or "{}" if name == "secret_settings" else text


def secrets_encrypt(apps, schema_editor):
    _rewrite(apps, _encrypted)


def secrets_decrypt(apps, schema_editor):
    _rewrite(apps, _decrypted)


class Migration(migrations.Migration):

    dependencies = [
        ('issuance', '0034_source_dialect_mapped'),
    ]

    operations = [
        # First as plain text, so the rows are read as they are stored while they are encrypted.
        migrations.AlterField(
            model_name='source',
            name='signing_secret',
            field=models.TextField(blank=True, help_text=SECRET_HELP, max_length=200),
        ),
        migrations.AlterField(
            model_name='source',
            name='signing_secret_next',
            field=models.TextField(blank=True, help_text=NEXT_HELP, max_length=200),
        ),
        migrations.AlterField(
            model_name='source',
            name='secret_settings',
            field=models.TextField(blank=True, default=dict, help_text=SETTINGS_HELP),
        ),
        migrations.RunPython(secrets_encrypt, secrets_decrypt),
        # The same text columns, now read and written through the key encryption key (no SQL).
        migrations.AlterField(
            model_name='source',
            name='signing_secret',
            field=courses.keys.fields.EncryptedSecretField(blank=True, help_text=SECRET_HELP, max_length=200),
        ),
        migrations.AlterField(
            model_name='source',
            name='signing_secret_next',
            field=courses.keys.fields.EncryptedSecretField(blank=True, help_text=NEXT_HELP, max_length=200),
        ),
        migrations.AlterField(
            model_name='source',
            name='secret_settings',
            field=courses.keys.fields.EncryptedJSONField(blank=True, default=dict, help_text=SETTINGS_HELP),
        ),
    ]
