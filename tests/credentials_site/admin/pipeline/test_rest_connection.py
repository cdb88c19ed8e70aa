"""A rest connection in the admin: started from a preset, its document checked, "Send a test" shows the request masked, then the answer."""

import json

import pytest

from issuance.models import Connection
from issuance.outbound.connections import connection_secret

from stand_ins.outbound.rest import CatchHook, CredentialsApi
from tests.factories.issuance import CredentialFactory
from tests.outbound.conftest import connect, course, credential, organization, private_targets_allowed  # noqa: F401 (fixtures)

EMPTY_MAPPINGS = {"mappings-TOTAL_FORMS": "0", "mappings-INITIAL_FORMS": "0", "mappings-MIN_NUM_FORMS": "0", "mappings-MAX_NUM_FORMS": "1000"}


def _form(organization, **overrides):
    return {"organization": organization.pk, "kind": "rest", "name": "crm", "enabled": "on", "settings": "", "secret": "",
            **EMPTY_MAPPINGS, **overrides}


def test_it_starts_a_connection_from_a_preset(admin_client, organization):
    response = admin_client.post("/admin/issuance/connection/add/", _form(organization, preset="slack"))
    assert response.status_code == 302
    connection = Connection.objects.get()
    assert connection.settings["calls"]["credential.issued"]["url"].startswith("https://hooks.slack.com/services/")


def test_it_refuses_a_body_that_is_not_json_and_says_why(admin_client, organization):
    document = {"auth": {"type": "none"}, "calls": {"credential.issued": {"method": "POST", "url": "https://api.example.com/x",
                                                                          "body": '{"name": {{ learner.name }}}'}}}
    response = admin_client.post("/admin/issuance/connection/add/", _form(organization, settings=json.dumps(document)))
    assert response.status_code == 200 and "is not valid JSON for a sample credential" in response.content.decode()
    assert not Connection.objects.exists()


@pytest.fixture
def api():
    with CredentialsApi(auth=("bearer", "tok-secret-123")) as server:
        yield server


def test_send_a_test_shows_the_request_masked_then_the_answer(admin_client, organization, credential, api):
    document = {"auth": {"type": "bearer"}, "external_id_path": "data.id", "calls": {"credential.issued": {
        "method": "POST", "url": f"{api.url}/api/credentials", "body": '{"email": "{{ learner.email }}", "name": "{{ learner.name }}"}'}}}
    response = admin_client.post("/admin/issuance/connection/add/",
                                 _form(organization, settings=json.dumps(document), secret="tok-secret-123"))
    assert response.status_code == 302
    connection = Connection.objects.get()
    assert connection_secret(connection) == "tok-secret-123"
    url = f"/admin/issuance/connection/{connection.pk}/send-a-test/"

    page = admin_client.get(url, {"credential": str(credential.pk), "event": "credential.issued"}).content.decode()
    assert f"POST {api.url}/api/credentials" in page and "Authorization: Bearer ••••••" in page
    assert "ana@learners.example" in page and "tok-secret-123" not in page
    assert api.requests == []  # shown, not sent

    page = admin_client.post(url, {"credential": str(credential.pk), "event": "credential.issued"}).content.decode()
    assert "OK: credential.issued: POST 127.0.0.1 answered 201" in page and "cid-1001" in page
    assert "tok-secret-123" not in page and len(api.credentials) == 1
    connection.refresh_from_db()
    assert connection.last_test_result.startswith("OK")


def test_send_a_test_offers_only_the_organisations_credentials(admin_client, organization, credential):
    other = CredentialFactory()
    with CatchHook("n8n") as hook:
        document = {"auth": {"type": "none"}, "calls": {"credential.issued": {"method": "POST", "url": hook.url, "body": "{}"}}}
        admin_client.post("/admin/issuance/connection/add/", _form(organization, settings=json.dumps(document)))
        connection = Connection.objects.get()
        page = admin_client.post(f"/admin/issuance/connection/{connection.pk}/send-a-test/",
                                 {"credential": str(other.pk), "event": "credential.issued"}).content.decode()
        assert "Choose a credential of this connection" in page and hook.requests == []


def test_it_edits_a_rest_connection_with_a_field_per_part(admin_client, organization, credential):
    with CredentialsApi(auth=("header", "X-API-Key", "key-1")) as api:
        fields = {"rest_auth_type": "header", "rest_auth_name": "X-API-Key", "rest_issued_method": "POST",
                  "rest_issued_url": f"{api.url}/api/credentials", "rest_issued_headers": "Accept: application/json",
                  "rest_issued_body": '{"email": "{{ learner.email }}", "template": "{{ mapping.template }}"}',
                  "rest_revoked_method": "DELETE", "rest_revoked_url": f"{api.url}/api/credentials/{{{{ external_id }}}}",
                  "rest_success": "200, 201, 204", "rest_external_id_path": "data.id", "rest_rate_requests": "100",
                  "rest_rate_seconds": "60", "rest_mappings": "SAFE-101: template=abc"}
        response = admin_client.post("/admin/issuance/connection/add/", _form(organization, secret="key-1", **fields))
        assert response.status_code == 302, response.content.decode()[:3000]
        connection = Connection.objects.get()
        assert connection.settings == {
            "auth": {"type": "header", "name": "X-API-Key"},
            "calls": {"credential.issued": {"method": "POST", "url": f"{api.url}/api/credentials", "headers": {"Accept": "application/json"},
                                            "body": fields["rest_issued_body"]},
                      "credential.revoked": {"method": "DELETE", "url": fields["rest_revoked_url"]}},
            "success": [200, 201, 204], "external_id_path": "data.id", "rate_limit": {"requests": 100, "per_seconds": 60},
            "mappings": {"SAFE-101": {"template": "abc"}}}

        page = admin_client.get(f"/admin/issuance/connection/{connection.pk}/change/").content.decode()
        assert 'name="rest_issued_url"' in page and f'value="{api.url}/api/credentials"' in page and 'name="settings"' not in page

        bad = {**fields, "rest_issued_body": '{"email": {{ learner.email }}}'}
        response = admin_client.post(f"/admin/issuance/connection/{connection.pk}/change/", _form(organization, **bad))
        assert response.status_code == 200 and "is not valid JSON for a sample credential" in response.content.decode()
        connection.refresh_from_db()
        assert connection.settings["calls"]["credential.issued"]["body"] == fields["rest_issued_body"]


def test_a_rest_connection_page_names_its_two_tests_apart(admin_client, organization):
    """The button checks the settings; "Send a test…" (among the fields) sends a call for a chosen credential."""
    document = {"auth": {"type": "none"}, "calls": {"credential.issued": {"method": "POST", "url": "https://api.example.com/x", "body": "{}"}}}
    admin_client.post("/admin/issuance/connection/add/", _form(organization, settings=json.dumps(document)))
    page = admin_client.get(f"/admin/issuance/connection/{Connection.objects.get().pk}/change/").content.decode()
    assert page.count(">Check the settings<") == 1
    assert page.count("Send a test") == 2  # the field's label and its link, nothing else of that name
    webhook = Connection.objects.create(organization=organization, kind="webhook", name="hook", settings={"url": "https://hooks.example.com/x"})
    page = admin_client.get(f"/admin/issuance/connection/{webhook.pk}/change/").content.decode()
    assert "Check the settings" not in page and ">Send a test<" in page
