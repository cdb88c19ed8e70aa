"""How an event's raw body and errors read in the admin. Everything a source sent is escaped."""

import json

from django.utils.html import format_html, format_html_join

from ..models import CompletionEvent


def raw_body_html(event: CompletionEvent):
    raw = bytes(event.body)
    try:
        text = json.dumps(json.loads(raw), indent=2, ensure_ascii=False)
    except (UnicodeDecodeError, ValueError):
        text = raw.decode("utf-8", errors="replace")
    return format_html('<pre class="laurel-raw">{}</pre>', text)


def errors_html(event: CompletionEvent):
    if not event.errors:
        return "—"
    items = format_html_join("", "<li><code>{}</code>: {}</li>", ((e["field"], e["message"]) for e in event.errors))
    return format_html('<ul class="laurel-errors">{}</ul>', items)
