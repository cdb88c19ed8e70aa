"""Credly and Accredible look-ups that get an HTML page: classified and kept as the status and the page's title.

A look-up (the mapped badge template or group in "Send a test", the badge or credential an earlier
attempt may have made, a withdrawal) can meet a page instead of the API: a proxy's 403, a 404 page
of a base_url that points at the website, a maintenance page. Read as JSON it was an "unexpected
error" retried for hours, and an HTML 404 read as the platform's own "not found" said a credential
was "already gone" that was never touched.
"""

import pytest

from issuance.models import OutboundDelivery
from issuance.outbound.connections import connection_test
from issuance.outbound.deliveries import delivery_perform
from issuance.outbound.plan import deliveries_plan
from issuance.revocation import credential_revoke

from stand_ins.outbound.platforms import AccredibleServer, CredlyServer

Status = OutboundDelivery.Status
FORBIDDEN = (403, b"<!DOCTYPE html><html><head><title>403 Forbidden</title></head><body><h1>Access denied</h1></body></html>",
             {"content-type": "text/html"})
NOT_FOUND = (404, b"<html><head><title>Page not found | Accredible</title></head><body><h1>Oops</h1></body></html>",
             {"content-type": "text/html; charset=utf-8"})
MAINTENANCE = (200, b"<html><head><title>Down for maintenance</title></head><body></body></html>", {"content-type": "text/html"})


@pytest.fixture
def credly():
    with CredlyServer() as server:
        yield server


@pytest.fixture
def accredible():
    with AccredibleServer() as server:
        yield server


@pytest.fixture
def credly_connection(connect, course, credly):
    return connect("credly", secret="credly-token", map_to="tmpl-1", base_url=f"{credly.url}/v1", organization_id="org-1")


@pytest.fixture
def accredible_connection(connect, course, accredible):
    return connect("accredible", secret="accredible-key", map_to="1234", base_url=accredible.url)


def _uncertain_delivery(credential):
    """A delivery whose last attempt may have reached the platform: the next one looks it up first."""
    [delivery] = deliveries_plan(issuance=credential.issuance, credential=credential, action="credential.issued", stages={"platform"})
    OutboundDelivery.objects.filter(pk=delivery.pk).update(outcome_unknown=True)
    return delivery


def test_send_a_test_checks_each_mapped_credly_template_and_names_a_missing_one(credly, credly_connection):
    assert connection_test(connection=credly_connection).endswith("1 mapping(s) checked.")
    credly.templates = {"tmpl-other"}
    result = connection_test(connection=credly_connection)
    assert result.startswith("Failed (permanent):") and "badge template 'tmpl-1'" in result and "not found" in result


def test_send_a_test_checks_each_mapped_accredible_group_and_names_a_missing_one(accredible, accredible_connection):
    assert connection_test(connection=accredible_connection).endswith("1 mapping(s) checked.")
    accredible.groups = {"999"}
    result = connection_test(connection=accredible_connection)
    assert result.startswith("Failed (permanent):") and "group '1234'" in result and "not found" in result


def test_an_html_page_on_the_credly_template_lookup_is_kept_as_its_status_and_title(credly, credly_connection):
    credly.pages[("GET", "/v1/organizations/org-1/badge_templates/tmpl-1")] = FORBIDDEN
    result = connection_test(connection=credly_connection)
    assert result == ("Failed (permanent): GET /v1/organizations/org-1/badge_templates/tmpl-1 answered 403: "
                      "an HTML page (403 Forbidden — Access denied)")


def test_an_html_page_on_the_accredible_group_lookup_is_kept_as_its_status_and_title(accredible, accredible_connection):
    accredible.pages[("GET", "/v1/issuer/groups/1234")] = NOT_FOUND
    result = connection_test(connection=accredible_connection)
    assert result == "Failed (permanent): GET /v1/issuer/groups/1234 answered 404: an HTML page (Page not found | Accredible — Oops)"


def test_an_html_page_where_accredible_details_should_be_fails_the_test_instead_of_crashing(accredible, accredible_connection):
    accredible.pages[("GET", "/v1/issuer/details")] = MAINTENANCE
    result = connection_test(connection=accredible_connection)
    assert result == "Failed (permanent): GET /v1/issuer/details answered 200: an HTML page (Down for maintenance)"


def test_an_html_page_on_the_credly_badge_lookup_is_classified_not_an_unexpected_error(credential, credly, credly_connection):
    delivery = _uncertain_delivery(credential)
    credly.pages[("GET", "/v1/organizations/org-1/badges")] = FORBIDDEN
    delivery = delivery_perform(delivery_id=delivery.pk)
    assert delivery.status == Status.FAILED
    assert delivery.last_error.endswith("GET /v1/organizations/org-1/badges answered 403: an HTML page (403 Forbidden — Access denied)")
    credly.pages[("GET", "/v1/organizations/org-1/badges")] = MAINTENANCE
    OutboundDelivery.objects.filter(pk=delivery.pk).update(status=Status.QUEUED, outcome_unknown=True)
    delivery = delivery_perform(delivery_id=delivery.pk)
    assert "answered 200: an HTML page (Down for maintenance)" in delivery.last_error
    assert "JSONDecodeError" not in delivery.last_error and credly.calls("POST", "/badges") == []


def test_an_html_404_on_the_accredible_lookup_is_not_taken_for_no_credential(credential, accredible, accredible_connection):
    delivery = _uncertain_delivery(credential)
    accredible.pages[("GET", f"/v1/credentials/{credential.pk}")] = NOT_FOUND
    delivery = delivery_perform(delivery_id=delivery.pk)
    assert delivery.status == Status.FAILED
    assert delivery.last_error.endswith(f"GET /v1/credentials/{credential.pk} answered 404: an HTML page (Page not found | Accredible — Oops)")
    assert accredible.calls("POST", "/v1/credentials") == []  # a page says nothing about whether it exists


def test_an_html_404_on_an_accredible_withdrawal_is_not_taken_for_already_gone(credential, accredible, accredible_connection):
    from issuance.outbound.services import outbound_platforms_issue

    outbound_platforms_issue(issuance=credential.issuance, credential=credential)
    issued = OutboundDelivery.objects.get(credential=credential, action="credential.issued")
    assert issued.status == Status.DONE
    accredible.pages[("DELETE", f"/v1/credentials/{issued.remote_id}")] = NOT_FOUND
    credential_revoke(credential=credential, reason="Issued in error")
    revocation = OutboundDelivery.objects.get(credential=credential, action="credential.revoked")
    revocation = delivery_perform(delivery_id=revocation.pk)
    assert revocation.status != Status.DONE and "already gone" not in revocation.response_summary
    assert "answered 404: an HTML page (Page not found | Accredible — Oops)" in revocation.last_error
    assert str(credential.pk) in accredible.credentials  # still there: nothing withdrew it
