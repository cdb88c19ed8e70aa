"""The Redis broker killed twice while 100 completions are in flight, and started again empty.

A private redis-server (tests/faults/servers.py) that persists nothing, so every queued task is
lost with it, as when a cache node is replaced. The sweep finds what stopped moving and queues it
again; afterwards every completion is processed exactly once.
"""

import time

import pytest
from django_q.brokers import get_broker

from issuance.models import OutboxMessage
from tests.faults.completions import (
    Sweeper, all_finished, assert_each_processed_once, completions_start, finished, finished_at_least,
)
from tests.pipeline.cluster import Cluster

COMPLETIONS = 100
DOWN_SECONDS = 5


@pytest.mark.slow
@pytest.mark.production_profile
@pytest.mark.django_db(transaction=True)
def test_it_loses_nothing_when_redis_restarts_empty_mid_run(private_redis, smtp, course, tmp_path, monkeypatch):
    cluster = Cluster(broker="redis", redis_url=private_redis.url(), smtp_port=smtp.port,
                      media_root=tmp_path / "media", monkeypatch=monkeypatch).start()
    restarts, sweeper = [], Sweeper()
    try:
        issuances = completions_start(course, COMPLETIONS)
        for after in (COMPLETIONS // 5, COMPLETIONS // 2):
            assert finished_at_least(after, sweeper=sweeper), f"the run stalled before {after} finished"
            restarts.append((finished(), get_broker().queue_size()))
            private_redis.kill()
            time.sleep(DOWN_SECONDS)
            private_redis.start()
        done = all_finished(sweeper=sweeper, timeout=240)
        alive = cluster.process.poll() is None
    finally:
        cluster.stop()

    assert done, "not every completion finished after Redis came back"
    assert all(at < COMPLETIONS for at, _ in restarts), f"a restart came after the run had ended: {restarts}"
    assert any(queued for _, queued in restarts), "no task was queued when Redis went: nothing was lost to recover"
    assert sweeper.swept, "nothing was re-queued by the sweep"
    assert alive, "the qcluster exited when Redis went away"
    duplicates = assert_each_processed_once(issuances, smtp)
    print(f"\n[redis] restarts (finished so far, tasks lost)={restarts} re-queued by the sweep={len(sweeper.swept)} "
          f"({len(set(sweeper.swept))} issuances) duplicate emails={duplicates}")
    assert duplicates == 0
    assert not OutboxMessage.objects.filter(possible_duplicate=True).exists()
