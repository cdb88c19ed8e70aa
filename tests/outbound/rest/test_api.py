"""/api/v1/connections/ takes a rest connection's document as its settings, checked as connection_add checks it."""

from issuance.models import Connection
from issuance.outbound.connections import connection_secret

DOCUMENT = {"auth": {"type": "bearer"}, "external_id_path": "data.id",
            "calls": {"credential.issued": {"method": "POST", "url": "https://api.example.com/credentials",
                                            "body": '{"email": "{{ learner.email }}"}'}}}


def test_it_creates_a_rest_connection_from_its_document(admin_client, organization):
    response = admin_client.post("/api/v1/connections/", {"organization": "academy", "kind": "rest", "name": "hr", "secret": "tok",
                                                          "settings": DOCUMENT}, content_type="application/json")
    assert response.status_code == 201, response.json()
    assert response.json()["settings"]["success"] == [200, 201, 202, 204] and "tok" not in response.content.decode()
    assert connection_secret(Connection.objects.get()) == "tok"


def test_it_answers_400_for_a_body_that_is_not_json(admin_client, organization):
    bad = {**DOCUMENT, "calls": {"credential.issued": {**DOCUMENT["calls"]["credential.issued"], "body": "{\"a\": {{ learner.name }}}"}}}
    response = admin_client.post("/api/v1/connections/", {"organization": "academy", "kind": "rest", "secret": "t", "settings": bad},
                                 content_type="application/json")
    assert response.status_code == 400 and "not valid JSON for a sample credential" in response.json()["detail"]


def test_it_answers_400_for_a_setting_of_another_kind_that_is_not_text(admin_client, organization):
    response = admin_client.post("/api/v1/connections/", {"organization": "academy", "kind": "credly", "secret": "t",
                                                          "settings": {"organization_id": {"a": 1}}}, content_type="application/json")
    assert response.status_code == 400 and "credly settings are text; 'organization_id' is not" in response.json()["detail"]
    assert not Connection.objects.exists()
