"""How an event's raw body and errors read in the admin. Everything a source sent is escaped."""

import json
import re

from django.utils.html import format_html, format_html_join

from credentials_site.admin.base import error_folded
from issuance.bodies import webhook_body_parse
from issuance.models import CompletionEvent

# Control characters other than tab and newline would garble the page: shown as escapes instead.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def raw_body_html(event: CompletionEvent):
    """Readable JSON indented; anything else as sent, with bytes that are not UTF-8 shown as \\xNN."""
    raw = bytes(event.body)
    payload, error = webhook_body_parse(raw)
    if error is None:
        text = json.dumps(payload, indent=2, ensure_ascii=False)
    else:
        text = raw.decode("utf-8", errors="backslashreplace")
    text = CONTROL.sub(lambda match: f"\\x{ord(match.group()):02x}", text)
    return format_html('<pre class="laurel-raw">{}</pre>', text)


def completion_html(event: CompletionEvent):
    """The completion made of the event, read from its issuance (the one stored copy), indented."""
    completion = event.completion
    if completion is None:
        return "—"
    return format_html('<pre class="laurel-raw">{}</pre>', json.dumps(completion, indent=2, ensure_ascii=False))


def errors_html(event: CompletionEvent):
    if not event.errors:
        return "—"
    items = format_html_join("", "<li><code>{}</code>: {}</li>", ((e["field"], error_folded(e["message"])) for e in event.errors))
    return format_html('<ul class="laurel-errors">{}</ul>', items)
