"""The token-authenticated events API and the OpenAPI schema, over real HTTP."""

import pytest
import requests

from courses.access.user_tokens import user_token_create
from issuance.models import CompletionEvent
from tests.factories.issuance import SourceFactory

from .conftest import generic_event

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def token(admin_user):
    return user_token_create(user=admin_user)[1]


def _get(live_server, path, token=None, **params):
    headers = {"Authorization": f"Token {token}"} if token else {}
    return requests.get(f"{live_server.url}{path}", headers=headers, params=params, timeout=10)


def test_it_shows_an_event_and_the_issuance_it_started(live_server, sender, task_queue, token):
    event_id = sender.post(generic_event(), message_id="msg_api").json()["event"]
    before = _get(live_server, f"/api/v1/events/{event_id}/", token).json()
    assert before["status"] == "accepted" and before["issuance"] is None
    task_queue.run()
    after = _get(live_server, f"/api/v1/events/{event_id}/", token).json()
    event = CompletionEvent.objects.get(pk=event_id)
    assert after == {
        "id": event_id,
        "source": sender.source.slug,
        "channel": "webhook",
        "external_id": "msg_api",
        "received_at": after["received_at"],
        "status": "processed",
        "errors": [],
        "issuance": str(event.issuances.get().pk),
    }


def test_it_shows_the_errors_of_a_parked_event(live_server, sender, task_queue, token):
    event_id = sender.post(generic_event(completed_at="yesterday"), message_id="msg_bad_date").json()["event"]
    task_queue.run()
    body = _get(live_server, f"/api/v1/events/{event_id}/", token).json()
    assert body["status"] == "parked"
    assert body["errors"][0]["field"] == "data.completed_at"


def test_it_lists_events_filtered_by_source_and_status_with_a_total_count(live_server, sender, source, task_queue, token):
    for n in range(3):
        sender.post(generic_event(), message_id=f"ok-{n}")
    sender.post(None, raw="nope", message_id="broken")
    other = SourceFactory(organization=source.organization)
    type(sender)(sender.base_url, other).post(generic_event(), message_id="elsewhere")
    everything = _get(live_server, "/api/v1/events/", token).json()
    assert everything["count"] == 5
    mine = _get(live_server, "/api/v1/events/", token, source=source.slug).json()
    assert mine["count"] == 4
    parked = _get(live_server, "/api/v1/events/", token, source=source.slug, status="parked").json()
    assert [e["external_id"] for e in parked["results"]] == ["broken"]
    # A second delivery is answered `duplicate` and stores nothing, so no event has that status to filter by.
    unknown = _get(live_server, "/api/v1/events/", token, status="duplicate")
    assert unknown.status_code == 400 and "one of accepted, parked, processed, discarded, ignored" in unknown.text


def test_it_paginates_the_list(live_server, source, token):
    for n in range(55):
        CompletionEvent.objects.create(source=source, external_id=f"e{n}", body=b"{}")
    first = _get(live_server, "/api/v1/events/", token).json()
    assert first["count"] == 55 and len(first["results"]) == 50 and first["next"]
    second = requests.get(first["next"], headers={"Authorization": f"Token {token}"}, timeout=10).json()
    assert len(second["results"]) == 5


def test_it_refuses_the_events_api_without_a_staff_token(live_server, db):
    assert _get(live_server, "/api/v1/events/").status_code == 401
    assert _get(live_server, "/api/v1/events/", "not-a-token").status_code == 401


def test_it_publishes_an_openapi_schema_documenting_the_generic_dialect(live_server):
    schema = _get(live_server, "/api/schema/", format="json").json()
    webhook = schema["paths"]["/api/v1/sources/{slug}/events"]["post"]
    assert {p["name"] for p in webhook["parameters"]} >= {"webhook-id", "webhook-timestamp", "webhook-signature"}
    assert set(webhook["responses"]) == {"200", "202", "400", "401", "404", "411", "413", "415", "429"}
    dialect = schema["components"]["schemas"]["GenericCompletion"]
    assert dialect["properties"]["type"]
    assert "/api/v1/events/{id}/" in schema["paths"]


def test_it_serves_browsable_docs_without_outside_assets(live_server):
    page = _get(live_server, "/api/docs/")
    assert page.status_code == 200
    assert "swagger" in page.text.lower()
    assert "cdn.jsdelivr" not in page.text
