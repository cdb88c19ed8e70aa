"""End to end through a real django-q2 cluster process and a real SMTP server, on both brokers."""

import pytest
from django_q.brokers import get_broker

from issuance.models import Issuance
from tests.pipeline.cluster import Cluster, wait_until
from tests.pipeline.conftest import complete
from stand_ins.smtp import attachments, body

BROKERS = ["orm", "redis"]


@pytest.fixture
def cluster_for(smtp, tmp_path, monkeypatch):
    started = []

    def make(broker, **kwargs):
        cluster = Cluster(broker=broker, smtp_port=smtp.port, media_root=tmp_path / "media", monkeypatch=monkeypatch, **kwargs)
        started.append(cluster)
        return cluster

    yield make
    for cluster in started:
        cluster.stop()
        if cluster.env.get("REDIS_URL"):
            get_broker().delete_queue()


def finished(*issuances):
    return lambda: Issuance.objects.filter(pk__in=[i.pk for i in issuances], finished_at__isnull=False).count() == len(issuances)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("broker", BROKERS)
def test_it_delivers_a_pass_and_explains_a_fail_through_a_real_worker(broker, smtp, course, cluster_for):
    cluster_for(broker).start()
    passed = complete(course, email="pass@learners.example", score=91)
    failed = complete(course, email="fail@learners.example", score=55)

    assert wait_until(finished(passed, failed), timeout=60), "the worker did not finish both issuances"

    passed.refresh_from_db()
    failed.refresh_from_db()
    assert passed.state == Issuance.State.SYNCED
    [certificate] = smtp.to("pass@learners.example")
    assert attachments(certificate)["Certificate - First Aid - Ann Lee.pdf"].startswith(b"%PDF")
    assert [r.to_state for r in passed.audit_records.order_by("at", "id")] == [
        "validated", "eligible", "rendered", "badged", "delivered", "synced"
    ]
    assert failed.state == Issuance.State.INELIGIBLE
    assert failed.reasons == ["Your score was 55; this course requires 80."]
    [still_needed] = smtp.to("fail@learners.example")
    assert "Your score was 55; this course requires 80." in body(still_needed, "plain")
