"""Expiry and renewal reminders travel to webhook subscribers as `credential.expired` and `credential.expiring`."""

import json
from datetime import timedelta
from pathlib import Path

import jsonschema
import pytest
from django.utils import timezone

from issuance.lifecycle.expiry import credential_expire
from issuance.models import OutboundDelivery
from issuance.outbound.tasks import outbound_sweep

from stand_ins.outbound.receivers import WebhookReceiver

SECRET = "whsec_Y3JlZGVudGlhbC1hdXRvbWF0aW9uLWRlbW8ta2V5ISE="
SCHEMAS = Path(__file__).resolve().parents[2] / "docs" / "integrations" / "webhook-events"


@pytest.fixture
def receiver():
    with WebhookReceiver(secret=SECRET) as server:
        yield server


def test_it_tells_subscribers_once_when_a_credential_expires(credential, connect, receiver):
    connect("webhook", secret=SECRET, url=f"{receiver.url}/hooks/laurel", events="credential.expired")
    credential.valid_until = timezone.now() - timedelta(days=1)
    credential.save(update_fields=["valid_until"])

    assert credential_expire(credential=credential) is True
    assert credential_expire(credential=credential) is False  # already expired: nothing more to tell
    outbound_sweep()

    assert receiver.rejected == 0 and [event["type"] for event in receiver.events] == ["credential.expired"]
    assert receiver.events[0]["data"]["credential_id"] == str(credential.pk)
    jsonschema.validate(receiver.events[0], json.loads((SCHEMAS / "credential.expired.json").read_text()))
    assert OutboundDelivery.objects.filter(credential=credential, action="credential.expired").count() == 1
