"""The staff digest says once that a connection turned unhealthy (#30), naming it and the fix; not again while it
stays unhealthy, and again if it recovers and then fails for another 30 minutes."""

from datetime import timedelta

import pytest
from django.utils import timezone

from courses.defaults import organization_install_default_templates
from issuance.intake.digests import staff_digests_send
from issuance.models import Connection, OutboundDelivery
from issuance.outbound.deliveries import delivery_perform
from issuance.outbound.services import outbound_sync_issue
from stand_ins.outbound.receivers import WebhookReceiver
from tests.factories.issuance import CredentialFactory, IssuanceFactory
from tests.intake.test_digests import smtp  # noqa: F401  (a real SMTP server on 127.0.0.1)

pytestmark = pytest.mark.django_db
SECRET = "whsec_Y3JlZGVudGlhbC1hdXRvbWF0aW9uLWRlbW8ta2V5ISE="
DOWN = ("fail", 503, {}, {"error": "down for maintenance"})


def _deliver(course, connection, *, now):
    """A new credential's delivery to the connection, attempted at `now`."""
    credential = CredentialFactory(issuance=IssuanceFactory(course=course))
    outbound_sync_issue(issuance=credential.issuance, credential=credential)
    delivery = OutboundDelivery.objects.filter(connection=connection, credential=credential).get()
    OutboundDelivery.objects.filter(pk=delivery.pk).update(status=OutboundDelivery.Status.QUEUED, next_attempt_at=None, attempts=0)
    return delivery_perform(delivery_id=delivery.pk, now=now)


def _texts(smtp) -> list[str]:  # noqa: F811
    return [message.get_body(("plain",)).get_content() for _, message in smtp.messages]


def test_it_names_an_unhealthy_connection_once_per_spell_of_failing(smtp, organization, course, connect):  # noqa: F811
    organization_install_default_templates(organization=organization)
    start = timezone.now()
    with WebhookReceiver(secret=SECRET) as receiver:
        connection = connect("webhook", secret=SECRET, url=f"{receiver.url}/laurel")
        receiver.script = [DOWN, DOWN, DOWN]
        assert _deliver(course, connection, now=start).status == OutboundDelivery.Status.QUEUED
        assert staff_digests_send(now=start + timedelta(minutes=10)) == 0, "failing, not yet unhealthy: nothing to say"

        assert _deliver(course, connection, now=start + timedelta(minutes=31)).status == OutboundDelivery.Status.QUEUED
        assert staff_digests_send(now=start + timedelta(minutes=31)) == 1
        [text] = _texts(smtp)
        assert "Connection Webhook is unhealthy: every call has failed since" in text
        assert "answered 503" in text and "What to do:" in text and "press “Send a test”" in text
        assert "/admin/issuance/connection/" in text

        _deliver(course, connection, now=start + timedelta(minutes=50))
        assert staff_digests_send(now=start + timedelta(minutes=50)) == 0, "still unhealthy: said once"
        assert staff_digests_send(now=start + timedelta(minutes=80)) == 0

        assert _deliver(course, connection, now=start + timedelta(minutes=90)).status == OutboundDelivery.Status.DONE
        assert Connection.objects.get(pk=connection.pk).failing_since is None  # recovered

        receiver.script = [DOWN, DOWN]
        _deliver(course, connection, now=start + timedelta(minutes=100))
        assert staff_digests_send(now=start + timedelta(minutes=110)) == 0
        _deliver(course, connection, now=start + timedelta(minutes=131))
        assert staff_digests_send(now=start + timedelta(minutes=131)) == 1, "failing again for 30 minutes: said again"
        assert "Connection Webhook is unhealthy" in _texts(smtp)[1]
    assert len(smtp.messages) == 2
