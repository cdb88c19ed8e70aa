"""A rest connection's calls: issue then revoke by the id the issue stored; which answers fail at once and which are retried."""

import json

from issuance.models import OutboundDelivery
from issuance.outbound.deliveries import delivery_perform
from issuance.outbound.services import outbound_sync_issue
from issuance.outbound.tasks import outbound_sweep
from issuance.revocation import credential_revoke

from stand_ins.outbound.rest import CredentialsApi
from tests.factories.issuance import CredentialFactory, IssuanceFactory

from .conftest import calls_for, sync

Status = OutboundDelivery.Status


def test_it_issues_then_revokes_with_the_id_the_issue_stored(credential, rest):
    with CredentialsApi() as api:
        rest(api)
        issued = sync(credential)
        assert issued.status == Status.DONE and issued.remote_id == "cid-1001"
        body = json.loads(api.requests[0]["body"])
        assert body == {"email": "ana@learners.example", "name": "Ana Maria Lima", "course": "SAFE-101", "score": 86}
        assert api.requests[0]["headers"]["content-type"] == "application/json"

        credential_revoke(credential=credential, reason="Issued in error")
        outbound_sweep()
        revoked = OutboundDelivery.objects.get(credential=credential, action="credential.revoked")
        assert revoked.status == Status.DONE and revoked.remote_id == "cid-1001"
        assert api.calls("DELETE")[0]["path"] == "/api/credentials/cid-1001" and api.credentials == {}
        assert "DELETE /api/credentials/cid-1001 → 204" in revoked.request_summary


def test_it_sends_learner_text_as_json_whatever_it_holds(credential, rest):
    issuance = credential.issuance
    issuance.learner_name = 'Zoë "Z" O\'Neil \\ </script>'
    issuance.save(update_fields=["learner_name"])
    with CredentialsApi() as api:
        rest(api)
        assert sync(credential).status == Status.DONE
        assert json.loads(api.requests[0]["body"])["name"] == 'Zoë "Z" O\'Neil \\ </script>'


def test_it_fails_a_permanent_4xx_at_once(credential, rest):
    with CredentialsApi() as api:
        rest(api)
        api.script = [("fail", 422, {}, {"error": "validation", "message": "course unknown"})]
        delivery = sync(credential)
        assert delivery.status == Status.FAILED and delivery.attempts == 1 and delivery.next_attempt_at is None
        assert "answered 422" in delivery.last_error and "course unknown" in delivery.last_error


def test_it_retries_a_500_on_the_schedule(credential, rest):
    with CredentialsApi() as api:
        rest(api)
        api.script = [("fail", 500, {}, {"error": "internal"})]
        delivery = sync(credential)
        assert delivery.status == Status.QUEUED and delivery.attempts == 1 and "answered 500" in delivery.last_error
        delivery = delivery_perform(delivery_id=delivery.pk, now=delivery.next_attempt_at)
        assert delivery.status == Status.DONE and delivery.attempts == 2 and len(api.credentials) == 1


def test_it_retries_a_429_after_the_time_it_asks_for(credential, rest):
    with CredentialsApi() as api:
        rest(api)
        api.script = [("fail", 429, {"retry-after": "17"}, {"error": "slow down"})]
        delivery = sync(credential)
        assert delivery.status == Status.QUEUED
        assert (delivery.next_attempt_at - delivery.sending_started_at).total_seconds() == 17
        delivery = delivery_perform(delivery_id=delivery.pk, now=delivery.next_attempt_at)
        assert delivery.status == Status.DONE


def test_it_takes_its_own_list_of_permanent_statuses(credential, rest):
    with CredentialsApi() as api:
        rest(api, permanent=[400])
        api.script = [("fail", 409, {}, {"error": "busy"})]
        delivery = sync(credential)
        assert delivery.status == Status.QUEUED  # 409 is not in the connection's permanent list: retried


def test_it_fails_an_answer_without_the_id_later_calls_need(credential, connect):
    with CredentialsApi() as api:
        connect("rest", secret=None, auth={"type": "none"}, calls=calls_for(api.url), external_id_path="data.uuid")
        delivery = sync(credential)
        assert delivery.status == Status.FAILED and "has no data.uuid" in delivery.last_error


def test_it_skips_events_without_a_call(credential, rest):
    with CredentialsApi() as api:
        rest(api, calls={"credential.revoked": {"method": "POST", "url": f"{api.url}/api/credentials",
                                                "body": '{"email": "{{ learner.email }}"}'}})
        outbound_sync_issue(issuance=credential.issuance, credential=credential)
        assert not OutboundDelivery.objects.exists()  # no row for an event it does not take


def test_it_sends_a_renewal_by_its_own_call_with_the_facts_of_both(credential, rest):
    credential.status = credential.Status.EXPIRED
    credential.save(update_fields=["status"])
    issuance = IssuanceFactory(course=credential.issuance.course, learner=credential.learner, learner_name="Ana Maria Lima")
    renewal = CredentialFactory(issuance=issuance, replaces=credential, badge={"type": ["VerifiableCredential", "OpenBadgeCredential"]})
    with CredentialsApi() as api:
        rest(api, calls={"credential.issued": {"method": "POST", "url": f"{api.url}/api/credentials", "body": '{"email": "new"}'},
                         "credential.renewed": {"method": "POST", "url": f"{api.url}/api/credentials",
                                                "body": '{"email": "{{ learner.email }}", "renews": "{{ renews }}", '
                                                        '"pdf": "{{ pdf_url }}", "badge": {{ openbadge_json }}}'}})
        assert sync(renewal).status == Status.DONE
        body = json.loads(api.requests[0]["body"])
        assert body["renews"] == str(credential.pk) and body["pdf"].endswith(f"/credentials/{renewal.pk}.pdf")
        assert body["badge"]["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
