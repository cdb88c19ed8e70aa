"""The connectors in the pipeline: platforms in step 5 (the email links them), CRMs and webhooks in step 7."""

import pytest

from issuance.models import Issuance, OutboundDelivery
from issuance.outbound.connections import connection_add
from issuance.outbound.tasks import outbound_sweep
from tests.pipeline.conftest import complete, course, drive, org, smtp  # noqa: F401  (fixtures)
from stand_ins.smtp import body

from stand_ins.outbound.platforms import CredlyServer
from stand_ins.outbound.receivers import HubSpotServer, WebhookReceiver
from tests.outbound.webhooks.test_connector import SECRET

State = Issuance.State


@pytest.fixture
def stand_ins(org, course):
    with CredlyServer() as credly, HubSpotServer() as hubspot, WebhookReceiver(secret=SECRET) as receiver:
        connection_add(organization=org, kind="credly", secret="credly-token", mappings={"FA-1": "tmpl-1"},
                       settings={"base_url": f"{credly.url}/v1", "organization_id": "org-1"})
        connection_add(organization=org, kind="hubspot", secret="hubspot-token", settings={"base_url": hubspot.url})
        connection_add(organization=org, kind="webhook", secret=SECRET, settings={"url": f"{receiver.url}/in"})
        yield credly, hubspot, receiver


def test_a_passing_completion_reaches_every_connection_once_and_the_email_links_the_platform(smtp, course, stand_ins):  # noqa: F811
    credly, hubspot, receiver = stand_ins
    issuance = drive(complete(course, score=92))
    outbound_sweep()  # the workers' share: CRM and webhook rows queued by step 7

    assert issuance.state == State.SYNCED
    [badge] = credly.badges.values()
    [message] = smtp.to("ann@learners.example")
    assert badge["badge_url"] in body(message, "plain") and badge["badge_url"] in body(message, "html")
    assert list(hubspot.contacts) == ["ann@learners.example"] and len(hubspot.notes) == 1
    assert [event["type"] for event in receiver.events] == ["credential.issued"]
    details = list(issuance.audit_records.values_list("detail", flat=True))
    assert any("Credly “credly”: credential.issued done" in detail for detail in details)
    assert any("Webhook “webhook”: credential.issued done" in detail for detail in details)


def test_a_platform_that_is_down_does_not_hold_the_email_back(smtp, course, stand_ins):  # noqa: F811
    credly, _, _ = stand_ins
    credly.script = [("fail", 503, {}, {"data": {"message": "down"}})]
    issuance = drive(complete(course, score=92))

    assert issuance.state == State.SYNCED
    assert len(smtp.to("ann@learners.example")) == 1
    delivery = OutboundDelivery.objects.get(issuance=issuance, connection__kind="credly")
    assert delivery.status == OutboundDelivery.Status.QUEUED and credly.badges == {}


def test_a_parked_issuance_is_announced_to_subscribers(smtp, course, stand_ins, org):  # noqa: F811
    _, _, receiver = stand_ins
    org.certificate_templates.all().delete()  # rendering cannot succeed: the issuance parks
    issuance = drive(complete(course, score=92))
    outbound_sweep()
    assert issuance.state == State.PARKED
    assert [event["type"] for event in receiver.events] == ["issuance.parked"]
    assert receiver.events[0]["data"]["failed_step"] == "render"
