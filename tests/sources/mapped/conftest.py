"""Mapped sources set up as staff would (from a preset or a mapping), and a stand-in sender on 127.0.0.1."""

import pytest

from issuance.models import CompletionEvent
from issuance.sources.configure import source_configure
from issuance.sources.mapped.presets import preset_mapping

from .stand_in import Sender


@pytest.fixture
def mapped_source(org, course):
    def make(*, preset=None, mapping=None, settings=None, secret="laurel-demo-secret", slug=None, mappings=None, api_key=None):
        dialect_settings = {"mapping": mapping if mapping is not None else preset_mapping(preset, settings or {})}
        if api_key:
            dialect_settings["confirmation_api_key"] = api_key
        source, _ = source_configure(
            organization_slug=org.slug, slug=slug or f"{preset or 'mapped'}-lms".replace("_", "-"), dialect="mapped", secret=secret,
            settings=dialect_settings, mappings=mappings or {},
        )
        return source

    return make


@pytest.fixture
def sender(live_server):
    return lambda source: Sender(live_server.url, source.slug)


def outcome(task_queue, response) -> CompletionEvent:
    """The stored event of a one-event answer, after the worker ran."""
    task_queue.run()
    return CompletionEvent.objects.get(pk=response.json()["event"])
