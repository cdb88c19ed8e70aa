"""REST connections against the stand-ins of stand_ins/outbound/rest.py."""

import pytest

from issuance.models import OutboundDelivery
from issuance.outbound.services import outbound_sync_issue
from issuance.outbound.tasks import outbound_sweep

ISSUE_BODY = '{"email": "{{ learner.email }}", "name": "{{ learner.name }}", "course": "{{ course.code }}", "score": {{ score|default:"null" }}}'


def calls_for(url: str) -> dict:
    return {
        "credential.issued": {"method": "POST", "url": f"{url}/api/credentials", "headers": {"Accept": "application/json"},
                              "body": ISSUE_BODY},
        "credential.revoked": {"method": "DELETE", "url": f"{url}/api/credentials/{{{{ external_id }}}}"},
    }


def sync(credential) -> OutboundDelivery:
    """The pipeline's step 7 for this credential, then the sweep the workers run."""
    outbound_sync_issue(issuance=credential.issuance, credential=credential)
    outbound_sweep()
    return OutboundDelivery.objects.get(credential=credential, action="credential.issued", connection__kind="rest")


@pytest.fixture
def rest(connect):
    def make(server, *, auth=None, secret=None, calls=None, **more):
        return connect("rest", secret=secret, auth=auth or {"type": "none"}, calls=calls or calls_for(server.url),
                       external_id_path="data.id", **more)
    return make
