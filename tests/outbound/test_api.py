"""/api/v1/connections/: the same idempotent set-up as connection_add, the secret never read back."""

from issuance.models import Connection
from issuance.outbound.connections import connection_secret

from stand_ins.outbound.platforms import CredlyServer


def test_it_creates_then_updates_a_connection_and_never_returns_the_secret(admin_client, course):
    body = {"organization": "academy", "kind": "credly", "secret": "tok", "settings": {"organization_id": "org-1"},
            "mappings": {"SAFE-101": "tmpl-1"}}
    created = admin_client.post("/api/v1/connections/", body, content_type="application/json")
    assert created.status_code == 201, created.json()
    assert "secret" not in created.json() and created.json()["secret_stored"] is True
    assert created.json()["settings"]["base_url"] == "https://api.credly.com/v1"

    again = admin_client.post("/api/v1/connections/", {**body, "secret": "", "settings": {"auth_style": "pipe"}},
                              content_type="application/json")
    assert again.status_code == 200 and Connection.objects.count() == 1
    connection = Connection.objects.get()
    assert connection.settings["auth_style"] == "pipe" and connection_secret(connection) == "tok"
    assert list(admin_client.get("/api/v1/connections/").json()["results"][0]["mapped"].values()) == ["tmpl-1"]


def test_it_answers_400_naming_the_valid_settings(admin_client, course):
    response = admin_client.post("/api/v1/connections/", {"organization": "academy", "kind": "credly", "secret": "t",
                                                          "settings": {"org": "x"}}, content_type="application/json")
    assert response.status_code == 400
    assert "credly has no setting 'org'; its settings are: base_url" in response.json()["detail"]
    assert response.json()["received"] == {"org": "x"}


def test_send_a_test_through_the_api(admin_client, connect):
    with CredlyServer() as credly:
        connection = connect("credly", secret="credly-token", base_url=f"{credly.url}/v1", organization_id="org-1")
        response = admin_client.post(f"/api/v1/connections/{connection.pk}/test/")
    assert response.status_code == 200 and response.json()["result"].startswith("OK: Credly answered 200")


def test_it_answers_400_for_text_no_database_can_store(admin_client, course):
    """PostgreSQL refuses a NUL and a lone surrogate in text and jsonb (SQLite keeps them): a 400 on both databases."""
    nul_organization = admin_client.post("/api/v1/connections/", {"organization": "\x00", "kind": "credly", "secret": "t"})
    assert nul_organization.status_code == 400
    assert nul_organization.json()["organization"] == ["Object with slug=\\x00 does not exist."]

    surrogate_setting = admin_client.post("/api/v1/connections/", {
        "organization": "academy", "kind": "credly", "secret": "t", "settings": {"organization_id": "org-\ud80d"}},
        content_type="application/json")
    assert surrogate_setting.status_code == 400
    assert "cannot be stored" in surrogate_setting.json()["detail"]
    assert Connection.objects.count() == 0
