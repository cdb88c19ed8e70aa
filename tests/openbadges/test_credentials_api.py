"""POST /api/v1/credentials/<uuid>/revoke | suspend | unsuspend, with a staff token."""

import pytest
from rest_framework.test import APIClient

from courses.access.user_tokens import user_token_create
from issuance.models import Credential


@pytest.fixture
def api(admin_user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {user_token_create(user=admin_user)[1]}")
    return client


def test_it_revokes_with_a_reason_and_says_so(api, issue, settings):
    credential = issue()

    response = api.post(f"/api/v1/credentials/{credential.pk}/revoke", {"reason": "Issued in error."}, format="json")

    assert response.status_code == 200
    assert response.json() == {"id": str(credential.pk), "status": "revoked", "status_reason": "Issued in error.",
                               "valid_until": credential.valid_until.isoformat().replace("+00:00", "Z"), "replaces": None,
                               "url": f"{settings.LAUREL_BASE_URL}/credentials/{credential.pk}",
                               # The credential as GET /api/v1/credentials/{id} shows it, its counts included (#33).
                               "engagement": {"views": 0, "downloads": 0, "linkedin_clicks": 0, "wallet_claims": 0,
                                              "verifications": 0}}
    assert Credential.objects.get(pk=credential.pk).status == Credential.Status.REVOKED


def test_it_answers_400_without_a_reason_and_409_when_already_revoked(api, issue):
    credential = issue()
    url = f"/api/v1/credentials/{credential.pk}/revoke"

    missing = api.post(url, {}, format="json")
    assert api.post(url, {"reason": "Issued in error."}, format="json").status_code == 200
    again = api.post(url, {"reason": "Twice."}, format="json")

    assert missing.status_code == 400 and "reason" in missing.json()
    assert again.status_code == 409 and "revoked" in again.json()["detail"]


def test_it_suspends_and_unsuspends(api, issue):
    credential = issue()

    suspended = api.post(f"/api/v1/credentials/{credential.pk}/suspend", {"reason": "Under review."}, format="json")
    twice = api.post(f"/api/v1/credentials/{credential.pk}/suspend", {"reason": "Again."}, format="json")
    unexplained = api.post(f"/api/v1/credentials/{credential.pk}/unsuspend", format="json")
    restored = api.post(f"/api/v1/credentials/{credential.pk}/unsuspend", {"reason": "Review passed."}, format="json")

    assert suspended.json()["status"] == "suspended" and twice.status_code == 409
    assert unexplained.status_code == 400 and "Give a reason" in unexplained.json()["reason"][0]
    assert restored.status_code == 200 and restored.json()["status"] == "active"


def test_it_refuses_requests_without_a_staff_token_and_unknown_credentials(api, issue):
    credential = issue()

    anonymous = APIClient().post(f"/api/v1/credentials/{credential.pk}/revoke", {"reason": "x"}, format="json")
    unknown = api.post("/api/v1/credentials/0b0ad0e5-9d8e-4d6c-9c39-5a3c1b2f6a11/revoke", {"reason": "x"}, format="json")

    assert anonymous.status_code == 401
    assert unknown.status_code == 404
    assert Credential.objects.get(pk=credential.pk).status == Credential.Status.ACTIVE
