"""The connection admin: the secret is write-only, settings are checked, "send a test" shows the answer; staff retry failures."""

import pytest

from issuance.models import Connection, OutboundDelivery
from issuance.outbound.connections import connection_secret
from issuance.outbound.services import outbound_platforms_issue

from stand_ins.outbound.platforms import CredlyServer
from tests.outbound.conftest import connect, course, credential, organization, private_targets_allowed  # noqa: F401 (fixtures)


@pytest.fixture
def credly():
    with CredlyServer() as server:
        yield server


def _form(organization, **overrides):
    data = {"organization": organization.pk, "kind": "credly", "name": "main", "enabled": "on",
            "credly__organization_id": "org-1", "secret": "credly-token",
            "mappings-TOTAL_FORMS": "0", "mappings-INITIAL_FORMS": "0", "mappings-MIN_NUM_FORMS": "0", "mappings-MAX_NUM_FORMS": "1000"}
    return {**data, **overrides}


def test_staff_add_a_connection_and_never_see_its_secret_again(admin_client, organization):
    response = admin_client.post("/admin/issuance/connection/add/", _form(organization))
    assert response.status_code == 302
    connection = Connection.objects.get()
    assert connection_secret(connection) == "credly-token"
    page = admin_client.get(f"/admin/issuance/connection/{connection.pk}/change/").content.decode()
    assert "credly-token" not in page and "stored (encrypted)" in page

    admin_client.post(f"/admin/issuance/connection/{connection.pk}/change/", _form(organization, secret=""))
    connection.refresh_from_db()
    assert connection_secret(connection) == "credly-token"  # an empty field keeps it


def test_a_bad_setting_is_named_beside_its_field_by_the_settings_own_check(admin_client, organization):
    response = admin_client.post("/admin/issuance/connection/add/", _form(organization, credly__rate_limit="fast"))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "calls/seconds" in errors["credly__rate_limit"][0]  # issuance/outbound/connectors/setting_checks.py's words
    missing = admin_client.post("/admin/issuance/connection/add/", _form(organization, credly__organization_id=""))
    assert "credly needs the setting &#x27;organization_id&#x27;" in missing.content.decode()
    assert not Connection.objects.exists()


def test_send_a_test_shows_what_the_platform_answered(admin_client, connect, credly):
    connection = connect("credly", secret="credly-token", base_url=f"{credly.url}/v1", organization_id="org-1")
    response = admin_client.post("/admin/issuance/connection/", {"action": "send_test", "_selected_action": [connection.pk]}, follow=True)
    assert "OK: Credly answered 200" in response.content.decode()
    bad = connect("credly", secret="wrong", base_url=f"{credly.url}/v1", organization_id="org-1")
    Connection.objects.filter(pk=bad.pk).update(name="other")
    response = admin_client.post("/admin/issuance/connection/", {"action": "send_test", "_selected_action": [bad.pk]}, follow=True)
    assert "Failed (permanent)" in response.content.decode() and "401" in response.content.decode()


def test_staff_retry_a_failed_delivery_once_the_cause_is_fixed(admin_client, credential, connect, credly):
    connection = connect("credly", secret="wrong-token", map_to="tmpl-1", base_url=f"{credly.url}/v1", organization_id="org-1")
    outbound_platforms_issue(issuance=credential.issuance, credential=credential)
    delivery = OutboundDelivery.objects.get()
    assert delivery.status == OutboundDelivery.Status.FAILED

    connect("credly", secret="credly-token", base_url=f"{credly.url}/v1", organization_id="org-1")
    assert Connection.objects.get(pk=connection.pk)
    response = admin_client.post("/admin/issuance/outboundfailure/", {"action": "_retry", "_selected_action": [delivery.pk]}, follow=True)
    assert "Queued 1 delivery(ies) again." in response.content.decode()
    delivery.refresh_from_db()
    assert delivery.status == OutboundDelivery.Status.QUEUED and delivery.attempts == 0


def test_a_mapping_to_another_organisations_achievement_is_refused(admin_client, organization):
    from tests.factories.courses import AchievementFactory

    foreign = AchievementFactory()
    response = admin_client.post("/admin/issuance/connection/add/", _form(
        organization, **{"mappings-TOTAL_FORMS": "1", "mappings-0-achievement": foreign.pk, "mappings-0-remote_id": "tmpl-9"}))
    assert response.status_code == 200
    assert "Map an achievement of the connection&#x27;s own organisation." in response.content.decode()
    assert not Connection.objects.exists()
