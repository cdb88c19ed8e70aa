"""Credly: a credential appears once on the mapped template, survives failures without a duplicate, and is revoked there."""

from datetime import timedelta

import pytest
from django.utils import timezone

from issuance.models import OutboundDelivery
from issuance.outbound.deliveries import delivery_perform
from issuance.outbound.services import outbound_platforms_issue
from issuance.outbound.tasks import outbound_sweep
from issuance.revocation import credential_revoke

from stand_ins.outbound.platforms import CredlyServer

Status = OutboundDelivery.Status


@pytest.fixture
def credly():
    with CredlyServer() as server:
        yield server


@pytest.fixture
def credly_connection(connect, credly):
    return connect("credly", secret="credly-token", map_to="tmpl-1", base_url=f"{credly.url}/v1", organization_id="org-1")


def _delivery(credential):
    return OutboundDelivery.objects.get(credential=credential, action="credential.issued")


def test_it_issues_the_badge_once_with_laurels_own_email_and_learner_id(credential, credly, credly_connection):
    outbound_platforms_issue(issuance=credential.issuance, credential=credential)
    outbound_platforms_issue(issuance=credential.issuance, credential=credential)  # a re-run of step 5
    delivery_perform(delivery_id=_delivery(credential).pk)

    assert len(credly.calls("POST", "/badges")) == 1
    badge = next(iter(credly.badges.values()))
    assert badge["recipient_email"] == "ana@learners.example"
    assert badge["suppress_badge_notification_email"] is True
    assert badge["issuer_earner_id"] == str(credential.learner.pk)
    delivery = _delivery(credential)
    assert (delivery.status, delivery.remote_id, delivery.remote_url) == (Status.DONE, badge["id"], badge["badge_url"])
    assert "POST /v1/organizations/org-1/badges → 201" in delivery.request_summary


def test_it_retries_a_transient_failure_then_succeeds(credential, credly, credly_connection):
    credly.script = [("fail", 503, {}, {"data": {"message": "maintenance"}})]
    outbound_platforms_issue(issuance=credential.issuance, credential=credential)
    delivery = _delivery(credential)
    assert delivery.status == Status.QUEUED and "503" in delivery.last_error
    assert delivery.next_attempt_at is not None

    delivery = delivery_perform(delivery_id=delivery.pk, now=delivery.next_attempt_at + timedelta(seconds=1))
    assert delivery.status == Status.DONE and delivery.attempts == 2
    assert len(credly.badges) == 1


def test_it_shows_a_permanent_rejection_to_staff(credential, credly, connect, admin_client):
    connect("credly", secret="credly-token", map_to="tmpl-archived", base_url=f"{credly.url}/v1", organization_id="org-1")
    outbound_platforms_issue(issuance=credential.issuance, credential=credential)
    delivery = _delivery(credential)
    assert delivery.status == Status.FAILED
    assert "Badge template not found" in delivery.last_error

    page = admin_client.get("/admin/issuance/outboundfailure/").content.decode()
    assert "Badge template not found" in page
    issuance_page = admin_client.get(f"/admin/issuance/issuance/{credential.issuance.pk}/change/").content.decode()
    assert "credential.issued failed" in issuance_page


def test_it_looks_the_badge_up_after_a_timeout_instead_of_issuing_it_twice(credential, credly, credly_connection, settings):
    settings.LAUREL_OUTBOUND_READ_TIMEOUT = 0.5
    credly.script = [("stall", 1.5)]  # Credly makes the badge; its answer comes too late
    outbound_platforms_issue(issuance=credential.issuance, credential=credential)
    delivery = _delivery(credential)
    assert delivery.status == Status.QUEUED and delivery.outcome_unknown

    delivery = delivery_perform(delivery_id=delivery.pk, now=delivery.next_attempt_at)
    assert delivery.status == Status.DONE
    assert len(credly.calls("POST", "/badges")) == 1 and len(credly.badges) == 1
    assert delivery.remote_id == next(iter(credly.badges))
    assert "GET /v1/organizations/org-1/badges" in delivery.request_summary


def test_it_adopts_the_badge_credly_reports_as_a_duplicate(credential, credly, credly_connection):
    credly._issue({"recipient_email": "ana@learners.example", "issued_to_first_name": "Ana", "issued_to_last_name": "Lima",
                   "badge_template_id": "tmpl-1", "issued_at": "2026-01-01 00:00:00 +0000"})
    outbound_platforms_issue(issuance=credential.issuance, credential=credential)
    delivery = _delivery(credential)
    assert delivery.status == Status.DONE and "422 duplicate" in delivery.response_summary
    assert len(credly.badges) == 1


def test_it_revokes_the_badge_on_credly_with_the_reason(credential, credly, credly_connection, django_capture_on_commit_callbacks):
    outbound_platforms_issue(issuance=credential.issuance, credential=credential)
    credential_revoke(credential=credential, reason="Issued in error")
    outbound_sweep()

    badge = next(iter(credly.badges.values()))
    assert badge["state"] == "revoked"
    revoke = credly.calls("PUT", "/revoke")[0]
    assert b"Issued in error" in revoke["body"]
    assert OutboundDelivery.objects.get(credential=credential, action="credential.revoked").status == Status.DONE


def test_it_refuses_a_private_address_without_the_setting(credential, credly, credly_connection, settings):
    settings.LAUREL_ALLOW_PRIVATE_TARGETS = False
    outbound_platforms_issue(issuance=credential.issuance, credential=credential)
    delivery = _delivery(credential)
    assert delivery.status == Status.FAILED
    assert "Refused" in delivery.last_error and "LAUREL_ALLOW_PRIVATE_TARGETS" in delivery.last_error
    assert credly.requests == []


def test_a_due_time_in_the_future_is_respected(credential, credly, credly_connection):
    credly.script = [("fail", 500, {}, {"data": {}})]
    outbound_platforms_issue(issuance=credential.issuance, credential=credential)
    delivery = delivery_perform(delivery_id=_delivery(credential).pk, now=timezone.now())
    assert delivery.status == Status.QUEUED and delivery.attempts == 1


def test_a_worker_that_died_mid_call_is_resolved_by_a_lookup(credential, credly, credly_connection, settings):
    from issuance.outbound.plan import deliveries_plan

    [delivery] = deliveries_plan(issuance=credential.issuance, credential=credential, action="credential.issued", stages={"platform"})
    # The dead worker's call reached Credly; its row was left in `sending`.
    credly._issue({"recipient_email": "ana@learners.example", "issued_to_first_name": "Ana Maria", "issued_to_last_name": "Lima",
                   "badge_template_id": "tmpl-1", "issued_at": "2026-01-01 00:00:00 +0000"})
    OutboundDelivery.objects.filter(pk=delivery.pk).update(status=Status.SENDING, attempts=1,
                                                           sending_started_at=timezone.now() - timedelta(hours=1))
    outbound_sweep()
    delivery.refresh_from_db()
    assert delivery.status == Status.DONE and delivery.remote_id == next(iter(credly.badges))
    assert credly.calls("POST", "/badges") == [] and len(credly.badges) == 1


def test_an_html_error_page_from_a_platform_is_kept_as_its_status_and_title(credential, credly, credly_connection):
    page = b"<!DOCTYPE html><html><head><title>We're sorry, but something went wrong (500)</title></head><body><p>x</p></body></html>"
    credly.script = [("fail", 500, {"content-type": "text/html; charset=utf-8"}, page)]
    outbound_platforms_issue(issuance=credential.issuance, credential=credential)
    delivery = OutboundDelivery.objects.get(credential=credential, action="credential.issued")
    assert delivery.last_error.endswith("answered 500: an HTML page (We're sorry, but something went wrong (500))")
