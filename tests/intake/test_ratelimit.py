"""The per-source rate limit: a fixed minute per source, shared by every web process."""

import secrets
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections

from issuance import shared_counts
from issuance.intake.ratelimit import source_rate_limit_exceeded
from issuance.shared_counts import WINDOW_SECONDS

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
def test_the_shared_count_loses_nothing_when_processes_add_at_once():
    key = f"laurel:test-count:{secrets.token_hex(8)}"

    def add_one(_):
        try:
            return shared_counts._count_shared(key, 1, 120)  # in Redis when there is one, else the database cache
        finally:
            connections.close_all()  # each thread had its own connection, as each process does

    with ThreadPoolExecutor(max_workers=8) as pool:
        counts = list(pool.map(add_one, range(100)))
    assert sorted(counts) == list(range(1, 101))  # every request saw its own count


def test_processes_together_admit_no_more_than_the_limit_and_refuse_little_early(source, monkeypatch):
    source.rate_limit_per_minute = 1000  # reserved 10 at a time
    now = _unused_minute() + 1
    monkeypatch.setattr(shared_counts, "_reserves", {})  # one process admits a request, then goes quiet
    assert source_rate_limit_exceeded(source=source, now=now) is None
    monkeypatch.setattr(shared_counts, "_reserves", {})  # another takes all the rest
    admitted = sum(source_rate_limit_exceeded(source=source, now=now) is None for _ in range(1100))
    assert admitted == 990  # 991 in all: the first process's 9 unused reservations were refused early
