"""One request cannot carry an unbounded number of events, and the rate limit counts events, not requests."""

import base64
import json
import secrets
import uuid

import pytest

from issuance import shared_counts
from issuance.intake.ratelimit import source_rate_limit_exceeded
from issuance.shared_counts import WINDOW_SECONDS
from issuance.models import CompletionEvent
from tests.factories.issuance import SourceFactory

KEY, SECRET = "lrs-key-limits", "lrs-secret-limits"
BASIC = "Basic " + base64.b64encode(f"{KEY}:{SECRET}".encode()).decode()


def _statements(count: int) -> list[dict]:
    return [{"id": str(uuid.uuid4()), "actor": {"mbox": f"mailto:learner{n}@example.org", "name": f"Learner {n}"},
             "verb": {"id": "http://adlnet.gov/expapi/verbs/passed"}, "object": {"id": "https://lms.example.edu/courses/fa-101"}}
            for n in range(count)]


@pytest.fixture(autouse=True)
def fresh_reserves():
    """A rolled-back test reuses the source's id, and with it this process's reserve of the same minute."""
    shared_counts._reserves.clear()


@pytest.fixture
def lrs(db):
    return SourceFactory(dialect="xapi", signing_secret=SECRET, settings={"key": KEY})


def _post(client, source, payload):
    return client.post(f"/api/v1/sources/{source.slug}/xapi/statements", data=json.dumps(payload), content_type="application/json",
                       HTTP_AUTHORIZATION=BASIC, HTTP_X_EXPERIENCE_API_VERSION="1.0.3")


def test_a_batch_over_the_default_100_events_is_answered_413_and_nothing_is_stored(client, lrs):
    assert lrs.max_events_per_request == 100
    response = _post(client, lrs, _statements(101))
    assert response.status_code == 413
    assert response.json()["detail"] == (
        f"This request carries 101 events; source {lrs.slug!r} takes at most 100 per request. "
        "Nothing was stored: send them in smaller batches."
    )
    assert not CompletionEvent.objects.filter(source=lrs).exists()


def test_a_batch_at_the_limit_is_stored(client, lrs):
    assert _post(client, lrs, _statements(100)).status_code == 200
    assert CompletionEvent.objects.filter(source=lrs).count() == 100


def test_the_limit_is_a_setting_of_each_source(client, lrs):
    lrs.max_events_per_request = 3
    lrs.save()
    assert _post(client, lrs, _statements(4)).status_code == 413
    assert _post(client, lrs, _statements(3)).status_code == 200


def test_the_rate_limit_counts_the_events_of_a_batch(client, lrs):
    lrs.rate_limit_per_minute = 5
    lrs.save()
    assert _post(client, lrs, _statements(3)).status_code == 200
    refused = _post(client, lrs, _statements(3))  # 6 events in the minute: over 5, although only 2 requests
    assert refused.status_code == 429 and int(refused["Retry-After"]) >= 1
    assert CompletionEvent.objects.filter(source=lrs).count() == 3


def test_a_batch_larger_than_the_rate_limit_is_413_not_429_for_ever(client, lrs):
    lrs.rate_limit_per_minute = 10
    lrs.save()
    response = _post(client, lrs, _statements(11))
    assert response.status_code == 413 and "takes at most 10 per request" in response.json()["detail"]


def test_the_shared_count_admits_events_all_or_none(lrs):
    lrs.rate_limit_per_minute = 10
    minute = float((10**9 + secrets.randbelow(10**9)) * WINDOW_SECONDS)
    assert source_rate_limit_exceeded(source=lrs, events=7, now=minute + 1) is None
    assert source_rate_limit_exceeded(source=lrs, events=4, now=minute + 2) is not None  # 11 > 10: none admitted
    assert source_rate_limit_exceeded(source=lrs, events=3, now=minute + 3) is None  # the 3 left are still there
    assert source_rate_limit_exceeded(source=lrs, events=1, now=minute + 4) is not None
