"""Periodic slots are per worker host: one host's housekeeping never makes another host's schedules skip."""

import contextvars

import pytest
from django.test import override_settings

from issuance.periodic import periodic_run

pytestmark = pytest.mark.django_db


def runs(name: str, *, host: str) -> bool:
    """Whether a periodic task `name` on `host` would run now, asked as another worker would (a fresh context)."""
    def attempt():
        with override_settings(LAUREL_WORKER_HOST=host), periodic_run(name=name) as budget:
            return budget is not None
    return contextvars.Context().run(attempt)


@override_settings(LAUREL_PERIODIC_WORKERS=1)
def test_a_host_with_its_one_slot_taken_skips_while_another_host_runs_its_own():
    with override_settings(LAUREL_WORKER_HOST="worker1"), periodic_run(name="issuance-sweep") as first:
        assert first is not None
        # worker1's one slot is taken: its second schedule waits for the next minute, so a worker stays free.
        assert not runs("outbox-sweep", host="worker1")
        # Before the slots were per host, worker2's outbound sweep was skipped as well, minute after minute.
        assert runs("outbound-sweep", host="worker2")
    assert runs("outbox-sweep", host="worker1")  # the slot was given back


def test_one_run_of_a_task_at_a_time_holds_across_hosts():
    with override_settings(LAUREL_WORKER_HOST="worker1"), periodic_run(name="staff-digests") as first:
        assert first is not None
        assert not runs("staff-digests", host="worker2")
