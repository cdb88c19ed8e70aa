"""Each event carries the key its poller looks a webhook copy up by (Docebo, Cornerstone), in an indexed column.

Events stored before the column existed get their key from their stored body. The logic is copied
from docebo.py and cornerstone.py, not imported, so this migration keeps doing what it did when the
code moves on. An event whose body retention already emptied keeps no key: the poller could not
read that body before either.
"""

import hashlib
import json

from django.db import migrations, models

BATCH = 500


def _derived(*parts) -> str:
    readable = ":".join(str(part) for part in parts)
    return readable if len(readable) <= 300 else f"{parts[0]}:sha256:{hashlib.sha256(readable.encode()).hexdigest()}"


def _named(parts) -> bool:
    return not any(part in (None, "") or isinstance(part, (dict, list)) for part in parts)


def _key(dialect: str, document) -> str:
    if not isinstance(document, dict):
        return ""
    if dialect == "docebo":
        payload = document.get("payload")
        parts = [payload.get(name) for name in ("user_id", "course_id", "completion_date")] if isinstance(payload, dict) else [None]
        return _derived("docebo", *parts) if _named(parts) else ""
    value = document.get("value")
    completed = value.get("trainingCompleted") if isinstance(value, dict) else None
    data = completed.get("data") if isinstance(completed, dict) else None
    parts = [data.get("targetUserId"), data.get("trainingId")] if isinstance(data, dict) else [None]
    return _derived("cornerstone", parts[0], str(parts[1]).lower()) if _named(parts) else ""


def completion_keys_fill(apps, schema_editor):
    CompletionEvent = apps.get_model("issuance", "CompletionEvent")
    events = CompletionEvent.objects.filter(source__dialect__in=["docebo", "cornerstone"], completion_key="") \
        .exclude(body=b"").only("pk", "body", "source__dialect").select_related("source")
    keyed = []
    for event in events.iterator(chunk_size=BATCH):
        try:
            event.completion_key = _key(event.source.dialect, json.loads(bytes(event.body)))
        except (ValueError, RecursionError, UnicodeDecodeError):
            continue
        if event.completion_key:
            keyed.append(event)
        if len(keyed) >= BATCH:
            CompletionEvent.objects.bulk_update(keyed, ["completion_key"])
            keyed = []
    CompletionEvent.objects.bulk_update(keyed, ["completion_key"])


class Migration(migrations.Migration):

    dependencies = [
        ("issuance", "0058_unannounced_partial_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="completionevent",
            name="completion_key",
            field=models.CharField(blank=True, default="", help_text="The completion as its sender names it on every path (learner, course, time).", max_length=300),
        ),
        migrations.AddIndex(
            model_name="completionevent",
            index=models.Index(condition=models.Q(("completion_key", ""), _negated=True), fields=["source", "completion_key"], name="event_completion_key_idx"),
        ),
        migrations.RunPython(completion_keys_fill, migrations.RunPython.noop, elidable=False),
    ]
