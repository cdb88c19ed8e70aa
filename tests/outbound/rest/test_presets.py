"""Each shipped preset, its URL pointed at a stand-in: a credential issued reaches the hook, the channel or the API."""

import json

import pytest

from issuance.models import OutboundDelivery
from issuance.outbound.connections import connection_add
from issuance.outbound.rest.config import rest_presets
from issuance.outbound.tasks import outbound_sweep
from issuance.revocation import credential_revoke

from stand_ins.outbound.rest import CatchHook, CertifIdLike

from .conftest import sync

Status = OutboundDelivery.Status


def _pointed_at(config: dict, base: str) -> dict:
    """The preset with every call's scheme and host replaced by the stand-in's (its path and query kept)."""
    calls = {}
    for event, call in config["calls"].items():
        _, rest = call["url"].split("://", 1)
        calls[event] = {**call, "url": base + "/" + rest.split("/", 1)[1]}
    return {**config, "calls": calls}


@pytest.mark.parametrize("name", ["zapier", "make", "n8n"])
def test_it_sends_each_event_to_a_catch_hook(organization, credential, name):
    with CatchHook(name) as hook:
        connection_add(organization=organization, kind="rest", name=name, settings=_pointed_at(rest_presets()[name]["config"], hook.url))
        assert sync(credential).status == Status.DONE
        credential_revoke(credential=credential, reason="Issued in error")
        outbound_sweep()
        issued, revoked = hook.bodies
        assert issued["event"] == "credential.issued" and issued["learner"]["email"] == "ana@learners.example"
        assert issued["course"] == {"code": "SAFE-101", "title": "Safety 101"} and issued["score"] == "86"
        assert revoked["event"] == "credential.revoked" and revoked["reason"] == "Issued in error"


def test_it_posts_a_slack_message_per_credential_issued(organization, credential):
    with CatchHook("slack") as slack:
        connection_add(organization=organization, kind="rest", name="staff channel",
                       settings=_pointed_at(rest_presets()["slack"]["config"], slack.url))
        assert sync(credential).status == Status.DONE
        assert slack.requests[0]["path"].startswith("/services/T00000000/")
        text = slack.bodies[0]["text"]
        assert "Ana Maria Lima" in text and "SAFE-101" in text and f"/credentials/{credential.pk}" in text


def test_it_posts_a_teams_card_per_credential_issued(organization, credential):
    with CatchHook("teams") as teams:
        connection_add(organization=organization, kind="rest", name="teams", settings=_pointed_at(rest_presets()["teams"]["config"], teams.url))
        assert sync(credential).status == Status.DONE  # the Workflows webhook answers 202
        assert teams.requests[0]["query"]["api-version"] == ["2016-06-01"]
        card = teams.bodies[0]["attachments"][0]
        assert card["contentType"] == "application/vnd.microsoft.card.adaptive"
        assert "Ana Maria Lima" in json.dumps(card["content"], ensure_ascii=False)


def test_it_wires_the_certif_id_preset_and_says_its_endpoints_are_unconfirmed(organization, credential):
    preset = rest_presets()["certif-id"]
    assert "UNCONFIRMED" in preset["about"]
    with CertifIdLike(key="certif-key") as api:
        config = _pointed_at(preset["config"], api.url)
        config["mappings"] = {"SAFE-101": {"course_id": "c-77", "template_id": "t-5"}}
        connection_add(organization=organization, kind="rest", name="certif-id", settings=config, secret="certif-key")
        issued = sync(credential)
        assert issued.status == Status.DONE and issued.remote_id == "inv-1001"
        assert api.credentials["inv-1001"]["course"] == "c-77" and api.credentials["inv-1001"]["templateId"] == "t-5"
        credential_revoke(credential=credential, reason="Issued in error")
        outbound_sweep()
        assert api.calls("DELETE")[0]["path"] == "/api/credentials/inv-1001"
