"""PostgreSQL restarted twice while 100 completions are in flight: once as an operator would, once as a crash.

The database is a cluster of this test's own (tests/faults/servers.py), never the machine's shared
one. Workers lose their connections mid-step; afterwards every completion is processed exactly once:
finished, each step's move recorded once, one credential and one email per learner. An email whose
send was under way when the database went is the one documented exception: its outcome could not
be recorded, so it is sent once more, flagged as a possible duplicate.
"""

import time

import pytest
from django_q.brokers import get_broker

from issuance.models import OutboxMessage
from tests.faults.completions import (
    Sweeper, all_finished, assert_each_processed_once, completions_start, finished, finished_at_least, profile_broker,
)
from tests.pipeline.cluster import Cluster

COMPLETIONS = 100
DOWN_SECONDS = 5


@pytest.mark.slow
@pytest.mark.production_profile
@pytest.mark.django_db(transaction=True)
def test_it_loses_nothing_when_postgresql_restarts_mid_run(private_postgres, smtp, course, tmp_path, monkeypatch):
    broker = profile_broker()
    cluster = Cluster(broker=broker, smtp_port=smtp.port, media_root=tmp_path / "media", monkeypatch=monkeypatch).start()
    restarts, sweeper = [], Sweeper()
    try:
        issuances = completions_start(course, COMPLETIONS)
        for mode, after in (("fast", COMPLETIONS // 5), ("immediate", COMPLETIONS // 2)):
            assert finished_at_least(after, sweeper=sweeper), f"the run stalled before {after} finished"
            restarts.append((mode, finished()))
            private_postgres.stop(mode=mode)
            time.sleep(DOWN_SECONDS)
            private_postgres.start()
        done = all_finished(sweeper=sweeper, timeout=240)
        alive = cluster.process.poll() is None
    finally:
        cluster.stop()
        if broker == "redis":
            get_broker().delete_queue()

    assert done, f"not every completion finished after the restarts; server log:\n{private_postgres.log_tail()}"
    assert all(at < COMPLETIONS for _, at in restarts), f"a restart came after the run had ended: {restarts}"
    assert alive, "the qcluster exited when the database went away"
    duplicates = assert_each_processed_once(issuances, smtp)
    flagged = OutboxMessage.objects.filter(possible_duplicate=True).count()
    print(f"\n[{broker}] restarts (mode, finished so far)={restarts} duplicate emails={duplicates} "
          f"flagged possible duplicates={flagged} re-queued by the sweep={len(sweeper.swept)}")
    assert duplicates <= len(restarts) * 2  # at most one send in flight per worker process at each restart
