"""SIGTERM to every process of a running `qcluster` (what systemd does by default) stops it within
30 s, and a new cluster finishes what was left: every learner gets their email exactly once."""

from collections import Counter
from email.utils import getaddresses

import pytest
from django_q.brokers import get_broker

from issuance.models import Issuance
from tests.pipeline.cluster import Cluster, wait_until
from tests.pipeline.conftest import complete

IN_FLIGHT = 30


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("broker", ["orm", "redis"])
def test_it_stops_within_30_seconds_on_sigterm_to_its_process_group_and_loses_nothing(broker, smtp, course, tmp_path,
                                                                                       monkeypatch):
    cluster = Cluster(broker=broker, smtp_port=smtp.port, media_root=tmp_path / "media", monkeypatch=monkeypatch)
    try:
        cluster.start()
        issuances = [complete(course, email=f"learner{n}@learners.example", score=92) for n in range(IN_FLIGHT)]
        assert wait_until(lambda: Issuance.objects.filter(finished_at__isnull=False).exists(), timeout=60)

        stopped = cluster.terminate_group(within=30)
        unfinished_when_stopped = Issuance.objects.filter(finished_at__isnull=True).count()

        assert stopped, "qcluster was still running 30 s after SIGTERM to its process group"
        assert cluster.process.returncode == 0
        cluster.start()  # what was not done yet is still queued: a new cluster does it
        assert wait_until(lambda: not Issuance.objects.filter(finished_at__isnull=True).exists(), timeout=120)
    finally:
        cluster.stop()
        if broker == "redis":
            get_broker().delete_queue()

    print(f"\n[{broker}] unfinished when the cluster stopped: {unfinished_when_stopped} of {IN_FLIGHT}")
    assert Counter(Issuance.objects.values_list("state", flat=True)) == {"synced": IN_FLIGHT}
    per_learner = Counter(address for m in smtp.messages for _, address in getaddresses([m["To"]]))
    assert per_learner == {i.learner.email: 1 for i in issuances}
