"""The per-source rate limit: one count per request in a fixed minute, shared by every web process."""

import secrets
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections

from issuance.intake.ratelimit import WINDOW_SECONDS, source_rate_limit_exceeded


def _unused_minute() -> float:
    # Counters outlive a test run on Redis: start in a minute no earlier run counted in.
    return float((10**9 + secrets.randbelow(10**9)) * WINDOW_SECONDS)


def test_it_refuses_past_the_limit_until_the_minute_ends(source):
    source.rate_limit_per_minute = 2
    minute = _unused_minute()
    assert source_rate_limit_exceeded(source=source, now=minute + 10) is None
    assert source_rate_limit_exceeded(source=source, now=minute + 11) is None
    assert source_rate_limit_exceeded(source=source, now=minute + 15) == 45  # seconds until the next minute
    assert source_rate_limit_exceeded(source=source, now=minute + 59.5) == 1  # never "retry after 0"
    assert source_rate_limit_exceeded(source=source, now=minute + WINDOW_SECONDS) is None


@pytest.mark.django_db(transaction=True)
def test_it_loses_no_count_when_requests_arrive_at_once(source):
    source.rate_limit_per_minute = 60
    minute = _unused_minute()

    def count(_):
        try:
            return source_rate_limit_exceeded(source=source, now=minute + 1)
        finally:
            connections.close_all()  # each thread's own connection

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(count, range(100)))
    # A lost update would let more than 60 through.
    assert answers.count(None) == 60
