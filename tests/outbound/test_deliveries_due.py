"""Retries run when they are due (a first webhook retry in 5 s comes in about 5 s), not at the next minute's sweep.

Standard Webhooks libraries saw Laurel's "first retry after 5 s" arrive 25-55 s later, because due
rows were picked up only by the once-a-minute sweep (real-systems.md §5). A failed attempt now puts
a task on the queue held until the row is due, on the ORM and the Redis broker alike; the sweep
stays as the safety net, and the row's claim lets only one of them send.
"""

import threading
from datetime import timedelta

import pytest
from django.utils import timezone
from django_q.brokers import get_broker
from django_q.conf import Conf
from django_q.models import OrmQ
from django_q.signing import SignedPackage

from issuance.delivery.outbox import outbox_enqueue, outbox_send
from issuance.email.draft import EmailDraft
from issuance.models import OutboundDelivery, OutboxMessage
from issuance.outbound.services import outbound_sync_issue
from issuance.outbound.tasks import outbound_delivery_task, outbound_sweep
from issuance.queue_brokers import DueRedis
from tests.pipeline.cluster import Cluster, wait_until

from stand_ins.outbound.receivers import WebhookReceiver

SECRET = "whsec_Y3JlZGVudGlhbC1hdXRvbWF0aW9uLWRlbW8ta2V5ISE="
Status = OutboundDelivery.Status


def held_tasks() -> list[tuple[str, tuple, float]]:
    """(function, arguments, due as a timestamp) of every task the broker holds for later."""
    broker = get_broker()
    if isinstance(broker, DueRedis):
        entries = broker.connection.zrange(broker.due_key, 0, -1, withscores=True)
        return [(task["func"], tuple(task["args"]), score) for task, score in
                ((SignedPackage.loads(pack), score) for pack, score in entries)]
    rows = OrmQ.objects.using(Conf.ORM).filter(key=broker.list_key, lock__gt=timezone.now())
    return [(task["func"], tuple(task["args"]), row.lock.timestamp()) for task, row in ((SignedPackage.loads(r.payload), r) for r in rows)]


@pytest.fixture
def receiver():
    with WebhookReceiver(secret=SECRET) as server:
        yield server


@pytest.fixture
def empty_queue():
    get_broker().delete_queue()
    yield
    get_broker().delete_queue()


def test_a_failed_webhook_attempt_holds_a_task_until_the_retry_is_due(credential, receiver, connect, empty_queue,
                                                                      django_capture_on_commit_callbacks):
    connect("webhook", secret=SECRET, url=f"{receiver.url}/hooks")
    receiver.script = [("fail", 503, {}, {})]
    outbound_sync_issue(issuance=credential.issuance, credential=credential)
    with django_capture_on_commit_callbacks(execute=True):
        outbound_sweep()

    delivery = OutboundDelivery.objects.get(credential=credential)
    assert delivery.status == Status.QUEUED
    assert held_tasks() == [("issuance.outbound.tasks.outbound_delivery_task", (delivery.pk,),
                             pytest.approx(delivery.next_attempt_at.timestamp(), abs=0.01))]


def test_a_transient_email_failure_holds_a_send_task_until_the_retry_is_due(credential, settings, empty_queue,
                                                                            django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2  # nothing listens: refused
    settings.LAUREL_OUTBOX_RETRY_SECONDS = [3, 60]
    message = outbox_enqueue(draft=EmailDraft(organization=credential.issuance.organization, kind=OutboxMessage.Kind.CREDENTIAL,
                                              idempotency_key="due-test", recipient="ana@learners.example",
                                              from_email="a@academy.example", subject="s", text_body="t"))
    with django_capture_on_commit_callbacks(execute=True):
        outbox_send(message_id=message.pk)

    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.QUEUED, message.last_error
    assert message.next_attempt_at - timezone.now() < timedelta(seconds=3)
    assert held_tasks() == [("issuance.delivery.tasks.outbox_send_task", (message.pk,),
                             pytest.approx(message.next_attempt_at.timestamp(), abs=0.01))]


@pytest.mark.django_db(transaction=True)
def test_the_due_task_and_the_sweep_racing_send_it_once(credential, receiver, connect, empty_queue):
    connect("webhook", secret=SECRET, url=f"{receiver.url}/hooks")
    receiver.script = [("fail", 503, {}, {}), ("stall", 1.0)]  # the second attempt is in flight for a second
    outbound_sync_issue(issuance=credential.issuance, credential=credential)
    outbound_sweep()
    delivery = OutboundDelivery.objects.get(credential=credential)
    OutboundDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())

    racers = [threading.Thread(target=outbound_delivery_task, args=(delivery.pk,)), threading.Thread(target=outbound_sweep)]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join(timeout=30)

    assert len(receiver.calls("POST")) == 2  # the failed first attempt and ONE retry
    assert len(receiver.events) == 1
    assert OutboundDelivery.objects.get(pk=delivery.pk).status == Status.DONE


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("broker", ["orm", "redis"])
def test_a_first_webhook_retry_comes_about_five_seconds_later_through_a_real_cluster(
        broker, credential, receiver, connect, tmp_path, monkeypatch):
    cluster = Cluster(broker=broker, smtp_port=9, media_root=tmp_path / "media", monkeypatch=monkeypatch,
                      env={"LAUREL_ALLOW_PRIVATE_TARGETS": "1"})
    get_broker().delete_queue()
    cluster.start()
    try:
        connect("webhook", secret=SECRET, url=f"{receiver.url}/hooks")
        receiver.script = [("fail", 503, {}, {})]
        outbound_sync_issue(issuance=credential.issuance, credential=credential)  # queued: the cluster attempts it

        assert wait_until(lambda: len(receiver.events) == 1, timeout=90), "the retry never came"
        first, second = receiver.calls("POST")
        assert 4.5 <= second["at"] - first["at"] <= 12, f"retried after {second['at'] - first['at']:.1f} s"
    finally:
        cluster.stop()
        get_broker().delete_queue()
