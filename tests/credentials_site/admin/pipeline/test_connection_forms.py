"""Every connection kind is edited with a field per setting (#30): help and defaults shown, the secret write-only,
HubSpot's and Salesforce's mapping as a table of rows, never a JSON box; the settings' own checks decide."""

import re

import pytest

from issuance.models import Connection
from issuance.outbound.connections import connection_add, connection_secret
from issuance.outbound.registry import connector_for
from tests.outbound.conftest import connect, course, organization, private_targets_allowed  # noqa: F401 (fixtures)

EMPTY_MAPPINGS = {"mappings-TOTAL_FORMS": "0", "mappings-INITIAL_FORMS": "0", "mappings-MIN_NUM_FORMS": "0", "mappings-MAX_NUM_FORMS": "1000"}
WHSEC = "whsec_Y3JlZGVudGlhbC1hdXRvbWF0aW9uLWRlbW8ta2V5ISE="


def _page(admin_client, connection) -> str:
    return admin_client.get(f"/admin/issuance/connection/{connection.pk}/change/").content.decode()


def _posted(page: str) -> dict:
    """What the browser would post for the page's connection fields as drawn (text, hidden, selected, checked)."""
    data = {}
    for name, value in re.findall(r'<input type="(?:text|hidden)" name="([\w-]+)" value="([^"]*)"', page):
        data[name] = value.replace("&amp;", "&")
    for name, body in re.findall(r'<select name="([\w-]+)"[^>]*>(.*?)</select>', page, re.S):
        chosen = re.search(r'<option value="([^"]*)"[^>]*selected', body)
        data[name] = chosen.group(1) if chosen else ""
    for name, value in re.findall(r'<input type="checkbox" name="(\w+__\w+)" value="([^"]*)"[^>]*\schecked(?=[\s/>])', page):
        data.setdefault(name, []).append(value)
    return data


def test_a_credly_connection_has_a_field_per_setting_with_its_help_and_default_and_no_json_box(admin_client, connect):
    connection = connect("credly", secret="credly-token", organization_id="org-1")
    page = _page(admin_client, connection)
    assert 'name="settings"' not in page
    assert 'name="credly__organization_id"' in page and 'value="org-1"' in page
    assert "Default: https://api.credly.com/v1." in page and "(Setting base_url.)" in page
    assert re.search(r'<select name="credly__auth_style"', page)
    assert re.search(r'<input type="password" name="secret"[^>]*>', page) and "credly-token" not in page
    assert "the organisation&#x27;s authorization token" in page.lower() or "authorization token" in page


def test_staff_change_a_setting_in_its_field_and_the_rest_stay(admin_client, connect):
    connection = connect("credly", secret="credly-token", organization_id="org-1")
    data = {**_posted(_page(admin_client, connection)), **EMPTY_MAPPINGS, "enabled": "on", "credly__auth_style": "pipe", "secret": ""}
    response = admin_client.post(f"/admin/issuance/connection/{connection.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    connection.refresh_from_db()
    assert connection.settings == {"base_url": "https://api.credly.com/v1", "organization_id": "org-1", "auth_style": "pipe"}
    assert connection_secret(connection) == "credly-token"


def test_hubspot_properties_are_a_table_of_rows_stored_as_connection_add_writes_them(admin_client, connect):
    connection = connect("hubspot", secret="pat-1", properties="firstname=first_name,lastname=last_name")
    page = _page(admin_client, connection)
    assert 'data-pairs="hubspot__properties"' in page and "HubSpot property" in page
    data = {**_posted(page), **EMPTY_MAPPINGS, "enabled": "on", "secret": ""}
    assert data["hubspot__properties_0_name"] == "firstname" and data["hubspot__properties_0_field"] == "first_name"
    data.update({"hubspot__properties_1_name": "", "hubspot__properties_1_field": "",  # a row emptied: removed
                 "hubspot__properties_2_name": "last_course", "hubspot__properties_2_field": "achievement"})
    response = admin_client.post(f"/admin/issuance/connection/{connection.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    connection.refresh_from_db()
    assert connection.settings["properties"] == "firstname=first_name,last_course=achievement"

    data["hubspot__properties_3_name"] = "no_field"  # half a row: the setting's own check names it
    response = admin_client.post(f"/admin/issuance/connection/{connection.pk}/change/", data)
    assert response.status_code == 200
    assert "NAME=FIELD pairs" in response.context["adminform"].form.errors["hubspot__properties"][0]


def test_salesforce_starts_with_its_documented_fields_as_rows_and_refuses_an_unknown_laurel_field(admin_client, organization):
    page = admin_client.get("/admin/issuance/connection/add/").content.decode()
    assert 'name="salesforce__fields_0_name" value="Name"' in page
    data = {"organization": organization.pk, "kind": "salesforce", "name": "crm", "enabled": "on", "secret": "sf-secret",
            "salesforce__base_url": "https://acme.my.salesforce.com", "salesforce__client_id": "ck-1",
            "salesforce__fields_rows": "1", "salesforce__fields_0_name": "Name", "salesforce__fields_0_field": "nickname", **EMPTY_MAPPINGS}
    response = admin_client.post("/admin/issuance/connection/add/", data)
    assert response.status_code == 200
    assert "maps to unknown fields nickname" in response.context["adminform"].form.errors["salesforce__fields"][0]
    data["salesforce__fields_0_field"] = "achievement"
    assert admin_client.post("/admin/issuance/connection/add/", data).status_code == 302
    settings = Connection.objects.get().settings
    assert settings["fields"] == "Name=achievement" and settings["api_version"] == "v60.0"


def test_a_webhook_chooses_its_events_with_checkboxes(admin_client, organization):
    data = {"organization": organization.pk, "kind": "webhook", "name": "hook", "enabled": "on", "secret": WHSEC,
            "webhook__url": "https://hooks.example.org/laurel", "webhook__events": ["credential.issued", "credential.revoked"],
            **EMPTY_MAPPINGS}
    assert admin_client.post("/admin/issuance/connection/add/", data).status_code == 302
    connection = Connection.objects.get()
    assert connection.settings["events"] == "credential.issued,credential.revoked"
    page = _page(admin_client, connection)
    assert re.search(r'type="checkbox" name="webhook__events" value="credential.revoked"[^>]*\schecked(?=[\s/>])', page)
    assert not re.search(r'type="checkbox" name="webhook__events" value="credential.suspended"[^>]*\schecked(?=[\s/>])', page)


@pytest.mark.parametrize("kind, secret, values", [
    ("credly", "t", {"organization_id": "org-1", "rate_limit": "10/1"}),
    ("badgr", "p", {"grant": "client_credentials", "client_id": "c-1"}),
    ("accredible", "k", {"withdraw": "expire"}),
    ("hubspot", "t", {"properties": "firstname=first_name,email=email"}),
    ("salesforce", "s", {"base_url": "https://acme.my.salesforce.com", "client_id": "ck", "object": "Cert__c"}),
    ("webhook", WHSEC, {"url": "https://hooks.example.org/x", "events": "credential.issued"}),
])
def test_a_connection_made_by_connection_add_saves_unchanged_from_its_page(admin_client, organization, kind, secret, values):
    connection, _ = connection_add(organization=organization, kind=kind, secret=secret, settings=values)
    before = dict(connection.settings)
    page = _page(admin_client, connection)
    assert 'name="settings"' not in page
    for name in connector_for(kind).settings:
        assert f"{kind}__{name}" in page
    response = admin_client.post(f"/admin/issuance/connection/{connection.pk}/change/",
                                 {**_posted(page), **EMPTY_MAPPINGS, "enabled": "on", "secret": ""})
    assert response.status_code == 302, response.context["adminform"].form.errors
    connection.refresh_from_db()
    assert connection.settings == before


def test_badgr_names_the_setting_its_grant_needs_beside_that_field(admin_client, organization):
    data = {"organization": organization.pk, "kind": "badgr", "name": "badges", "enabled": "on", "secret": "p",
            "badgr__grant": "client_credentials", **EMPTY_MAPPINGS}
    response = admin_client.post("/admin/issuance/connection/add/", data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "needs the setting 'client_id' with grant='client_credentials'" in errors["badgr__client_id"][0]
    assert "__all__" not in errors
    data["badgr__client_id"] = "c-1"
    assert admin_client.post("/admin/issuance/connection/add/", data).status_code == 302
