"""Organisation API keys against the real API: one organisation, one role, revocable, hashed, audited."""

import hashlib
import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from audit.models import AuditRecord
from courses.access.api_keys import ApiKeyError, api_key_create, api_key_revoke
from courses.access.user_tokens import user_token_create
from courses.models import ApiKey
from issuance.models import CompletionEvent, Credential, Issuance
from tests.factories.courses import StaffUserFactory, member
from tests.tenancy_world import organization_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def worlds():
    return organization_world("aardvark"), organization_world("beaver")


def key_client(secret: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def ids(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {str(row["id"]) for row in response.json()["results"]}


def test_it_shows_a_key_of_b_nothing_of_a_and_lets_it_change_nothing_of_a(worlds):
    a, b = worlds
    _, secret = api_key_create(organization=b["organization"], name="Beaver sync", role="operator")
    client = key_client(secret)
    assert ids(client.get("/api/v1/issuances")) == {str(i) for i in Issuance.objects.filter(
        course__organization=b["organization"]).values_list("pk", flat=True)}
    assert ids(client.get("/api/v1/events/")) == {str(e) for e in CompletionEvent.objects.filter(
        source__organization=b["organization"]).values_list("pk", flat=True)}
    assert "aardvark" not in client.get("/api/v1/issuances").content.decode().lower()
    for path in (f"/api/v1/issuances/{a['issuance'].pk}", f"/api/v1/credentials/{a['credential'].pk}",
                 f"/api/v1/events/{a['event'].pk}/"):
        assert client.get(path).status_code == 404, path
    for verb in ("revoke", "suspend"):
        response = client.post(f"/api/v1/credentials/{a['credential'].pk}/{verb}", {"reason": "Not ours."}, format="json")
        assert response.status_code == 404, response.content
    assert client.post(f"/api/v1/issuances/{a['issuance'].pk}/resume").status_code == 404
    assert Credential.objects.get(pk=a["credential"].pk).status == Credential.Status.ACTIVE
    assert client.get(f"/api/v1/credentials/{b['credential'].pk}").status_code == 200


def test_it_lets_a_viewer_key_read_but_not_revoke_and_an_operator_key_revoke_audited(worlds):
    _, b = worlds
    _, viewer = api_key_create(organization=b["organization"], name="Dashboard reader")
    credential = f"/api/v1/credentials/{b['credential'].pk}"
    assert key_client(viewer).get(credential).status_code == 200
    refused = key_client(viewer).post(f"{credential}/revoke", {"reason": "Issued in error."}, format="json")
    assert refused.status_code == 403 and "detail" in refused.json()
    assert Credential.objects.get(pk=b["credential"].pk).status == Credential.Status.ACTIVE

    operator_key, operator = api_key_create(organization=b["organization"], name="HR sync", role="operator")
    done = key_client(operator).post(f"{credential}/revoke", {"reason": "Issued in error."}, format="json")
    assert done.status_code == 200, done.content
    assert Credential.objects.get(pk=b["credential"].pk).status == Credential.Status.REVOKED
    record = AuditRecord.objects.filter(issuance=b["issuance"]).order_by("-id").first()
    assert record.actor_label == f"API key HR sync ({operator_key.prefix}…)" and record.actor_user is None
    assert record.organization_id == b["organization"].pk


def test_it_answers_a_revoked_or_unknown_key_401_in_json_and_users_tokens_still_work(worlds):
    _, b = worlds
    api_key, secret = api_key_create(organization=b["organization"], name="Old LMS")
    assert key_client(secret).get("/api/v1/issuances").status_code == 200
    assert api_key_revoke(api_key=api_key, actor=b["owner"]) is True
    assert api_key_revoke(api_key=api_key, actor=b["owner"]) is False  # once is enough, and audited once
    for attempt in (secret, "lk_" + "x" * 43, "not-even-a-key"):
        response = key_client(attempt).get("/api/v1/issuances")
        assert response.status_code == 401, attempt
        assert response.json() == {"detail": "This API key is unknown or has been revoked."}
    token = APIClient()
    token.credentials(HTTP_AUTHORIZATION=f"Token {user_token_create(user=b['owner'])[1]}")
    assert token.get("/api/v1/issuances").status_code == 200
    assert AuditRecord.objects.filter(to_state="api_key_revoked", organization_id=b["organization"].pk).count() == 1


def test_it_records_when_a_key_was_last_used_at_most_once_a_minute(worlds):
    _, b = worlds
    api_key, secret = api_key_create(organization=b["organization"], name="Poller")
    assert api_key.last_used_at is None
    key_client(secret).get("/api/v1/issuances")
    first = ApiKey.objects.get(pk=api_key.pk).last_used_at
    assert first is not None and timezone.now() - first < timedelta(seconds=30)
    with CaptureQueriesContext(connection) as queries:
        key_client(secret).get("/api/v1/issuances")
    assert ApiKey.objects.get(pk=api_key.pk).last_used_at == first
    writes = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("UPDATE") and "courses_apikey" in q["sql"]]
    assert writes == []  # a busy key is not written on every request
    ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=first - timedelta(minutes=2))
    key_client(secret).get("/api/v1/issuances")
    assert ApiKey.objects.get(pk=api_key.pk).last_used_at > first


def test_it_keeps_only_a_hash_of_the_secret_and_refuses_an_owner_key(worlds):
    _, b = worlds
    api_key, secret = api_key_create(organization=b["organization"], name="Moodle sync")
    assert secret.startswith("lk_") and len(secret) > 40 and secret.startswith(api_key.prefix)
    row = ApiKey.objects.filter(pk=api_key.pk).values().get()
    assert not any(secret in str(value) for value in row.values())
    assert row["secret_hash"] == hashlib.sha256(secret.encode()).hexdigest()
    for role in ("owner", "facilitator", "superuser"):
        with pytest.raises(ApiKeyError):
            api_key_create(organization=b["organization"], name="Too strong", role=role)


def test_it_prints_a_working_key_on_the_last_line_of_api_key_add(worlds, capsys):
    _, b = worlds
    call_command("api_key_add", "--org", b["organization"].slug, "--name", "Moodle sync", "--role", "operator")
    secret = capsys.readouterr().out.strip().splitlines()[-1]
    assert ApiKey.objects.get(prefix=secret[:11]).role == "operator"
    assert key_client(secret).get(f"/api/v1/credentials/{b['credential'].pk}").status_code == 200


def test_an_owner_makes_and_revokes_keys_audited_and_sees_only_their_organisations(worlds):
    a, b = worlds
    client = Client()
    client.force_login(b["owner"])
    made = client.post(reverse("admin:courses_apikey_add"),
                       {"organization": b["organization"].pk, "name": "Canvas sync", "role": "operator"})
    assert made.status_code == 200 and "no-store" in made["Cache-Control"]
    api_key = ApiKey.objects.get(name="Canvas sync")
    page = made.content.decode()
    secret = re.search(r'id="new-secret"[^>]* value="([^"]+)"', page)[1]
    assert secret.startswith(api_key.prefix) and api_key.created_by == b["owner"]
    assert key_client(secret).get("/api/v1/issuances").status_code == 200
    assert AuditRecord.objects.filter(to_state="api_key_created", organization_id=b["organization"].pk,
                                      actor_user=b["owner"], detail__contains="Canvas sync").exists()
    key_page = client.get(reverse("admin:courses_apikey_change", args=[api_key.pk])).content.decode()
    assert secret not in key_page and "Revoke this key" in key_page and api_key.prefix in key_page

    listing = client.get(reverse("admin:courses_apikey_changelist")).content.decode()
    assert "Canvas sync" in listing and "aardvark" not in listing.lower()
    assert client.get(reverse("admin:courses_apikey_change", args=[a["api_key"].pk])).status_code == 404
    other = client.post(reverse("admin:courses_apikey_add"),
                        {"organization": a["organization"].pk, "name": "Sneaky", "role": "viewer"})
    assert other.status_code == 200 and not ApiKey.objects.filter(name="Sneaky").exists()  # not a choice: form error

    changelist = reverse("admin:courses_apikey_changelist")
    asked = client.post(changelist, {"action": "revoke_selected", "_selected_action": [api_key.pk]})
    assert asked.status_code == 200 and "will stop working" in asked.content.decode()
    assert ApiKey.objects.get(pk=api_key.pk).revoked_at is None
    client.post(changelist, {"action": "revoke_selected", "_selected_action": [api_key.pk, a["api_key"].pk],
                             "confirm": "yes"})
    assert ApiKey.objects.get(pk=api_key.pk).revoked_by == b["owner"]
    assert ApiKey.objects.get(pk=a["api_key"].pk).revoked_at is None  # another organisation's key is untouched
    assert AuditRecord.objects.filter(to_state="api_key_revoked", organization_id=b["organization"].pk).exists()
    assert key_client(secret).get("/api/v1/issuances").status_code == 401


def test_no_role_below_owner_sees_or_makes_keys(worlds):
    _, b = worlds
    for role in ("editor", "operator", "viewer"):
        user = StaffUserFactory(username=f"{role}@beaver.example", is_superuser=False)
        member(user, b["organization"], role)
        client = Client()
        client.force_login(user)
        assert client.get(reverse("admin:courses_apikey_changelist")).status_code == 403, role
        assert client.get(reverse("admin:courses_apikey_add")).status_code == 403, role
        assert client.get(reverse("admin:courses_apikey_change", args=[b["api_key"].pk])).status_code in (403, 404), role
