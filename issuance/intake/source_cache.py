"""The active source behind a webhook URL, remembered for a few seconds by each web process.

Looking the source up was a fifth of a webhook request's CPU time. A source changes rarely, but a
rotated secret, a deactivation or a new rate limit must take effect quickly: a save in this process
forgets at once (the signals below), other processes look again after at most `TTL_SECONDS`.
"""

import time

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from ..models import Source

TTL_SECONDS = 3.0

# slug -> (monotonic time when fetched, the Source). Plain dict operations: safe across threads.
_remembered: dict[str, tuple[float, Source]] = {}


def webhook_source_get(*, slug: str, now: float | None = None) -> Source | None:
    """The active source with this slug, or None. Unknown slugs are not remembered: a new source works at once."""
    now = time.monotonic() if now is None else now
    entry = _remembered.get(slug)
    if entry is not None and now - entry[0] < TTL_SECONDS:
        return entry[1]
    # get(), not first(): the slug is unique, and first() would add an ORDER BY on the organisation.
    try:
        source = Source.objects.get(slug=slug, is_active=True)
    except Source.DoesNotExist:
        _remembered.pop(slug, None)
        return None
    _remembered[slug] = (now, source)
    return source


@receiver(post_save, sender=Source, dispatch_uid="webhook_sources_forget_on_save")
@receiver(post_delete, sender=Source, dispatch_uid="webhook_sources_forget_on_delete")
def webhook_sources_forget(**_) -> None:
    """Any saved or deleted source: forget them all (a slug may have changed, too)."""
    _remembered.clear()
