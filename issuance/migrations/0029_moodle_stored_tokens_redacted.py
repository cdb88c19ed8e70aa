"""Bodies stored before Laurel redacted the Moodle plugin's token however PHP escaped it (`\\/`) still hold it.

Each stored Moodle webhook body whose `token` is still a token has that string replaced, whatever its
escapes; every other byte stays as received. The logic is copied here, not imported, so this
migration keeps doing what it did when the code moves on.
"""

import json
import re

from django.db import migrations

JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
REDACTED = "[secret removed by Laurel]"
ALREADY = {REDACTED, "[token removed by Laurel]"}
BATCH = 500


def _redact(body: bytes, secret: str) -> bytes:
    def swap(match):
        try:
            value = json.loads(match.group(0))
        except (ValueError, RecursionError):
            return match.group(0)
        return json.dumps(REDACTED).encode() if value == secret else match.group(0)

    return JSON_STRING.sub(swap, body)


def moodle_tokens_redact(apps, schema_editor):
    CompletionEvent = apps.get_model("issuance", "CompletionEvent")
    events = CompletionEvent.objects.filter(source__dialect="moodle", channel="webhook").only("pk", "body")
    for event in events.iterator(chunk_size=BATCH):
        body = bytes(event.body)
        try:
            token = json.loads(body).get("token")
        except (ValueError, RecursionError, AttributeError):
            continue
        if not isinstance(token, str) or not token or token in ALREADY:
            continue
        CompletionEvent.objects.filter(pk=event.pk).update(body=_redact(body, token))


class Migration(migrations.Migration):

    dependencies = [
        ("issuance", "0028_park_reasons_whole_and_bodies_redacted"),
    ]

    operations = [migrations.RunPython(moodle_tokens_redact, migrations.RunPython.noop, elidable=False)]
