"""The webhook's remembered sources: a changed source is honoured at once here, within seconds elsewhere."""

import time

import pytest

from issuance.intake import source_cache
from issuance.intake.source_cache import TTL_SECONDS, webhook_source_get
from issuance.models import Source

from .conftest import generic_event

NEXT_SECRET = "whsec_bmV4dC1zZWNyZXQtZm9yLXJvdGF0aW9uLXRlc3Rz"


def _changed_elsewhere(source, **fields) -> None:
    # update() sends no signal: this process learns of it only as it learns of another process's save.
    Source.objects.filter(pk=source.pk).update(**fields)


def test_it_remembers_a_source_between_requests(source, django_assert_num_queries):
    start = time.monotonic()
    webhook_source_get(slug=source.slug, now=start)
    with django_assert_num_queries(0):
        assert webhook_source_get(slug=source.slug, now=start + 1).pk == source.pk


def test_it_honours_a_secret_rotated_by_another_process_within_seconds(source):
    start = time.monotonic()
    assert webhook_source_get(slug=source.slug, now=start).signing_secret == source.signing_secret
    _changed_elsewhere(source, signing_secret=NEXT_SECRET, signing_secret_next="")
    assert webhook_source_get(slug=source.slug, now=start + TTL_SECONDS).signing_secret == NEXT_SECRET


def test_it_honours_a_source_deactivated_by_another_process_within_seconds(source):
    start = time.monotonic()
    assert webhook_source_get(slug=source.slug, now=start) is not None
    _changed_elsewhere(source, is_active=False)
    assert webhook_source_get(slug=source.slug, now=start + TTL_SECONDS) is None
    _changed_elsewhere(source, is_active=True)  # and a source switched back on is not kept out either
    assert webhook_source_get(slug=source.slug, now=start + TTL_SECONDS + 0.1) is not None


def test_it_forgets_at_once_a_source_saved_or_deleted_in_this_process(source, organization):
    start = time.monotonic()
    webhook_source_get(slug=source.slug, now=start)
    source.signing_secret = NEXT_SECRET
    source.save()
    assert webhook_source_get(slug=source.slug, now=start + 0.1).signing_secret == NEXT_SECRET
    source.is_active = False
    source.save()
    assert webhook_source_get(slug=source.slug, now=start + 0.2) is None


def test_it_does_not_remember_an_unknown_slug(source):
    assert webhook_source_get(slug="lms-created-later") is None
    _changed_elsewhere(source, slug="lms-created-later")  # as if another process created it
    assert webhook_source_get(slug="lms-created-later").pk == source.pk


@pytest.mark.django_db(transaction=True)
def test_the_webhook_refuses_a_source_deactivated_elsewhere_within_seconds(sender, source, monkeypatch):
    monkeypatch.setattr(source_cache, "TTL_SECONDS", 0.3)
    assert sender.post(generic_event(), message_id="msg_before").status_code == 202
    _changed_elsewhere(source, is_active=False)
    time.sleep(0.35)
    assert sender.post(generic_event(), message_id="msg_after").status_code == 404
