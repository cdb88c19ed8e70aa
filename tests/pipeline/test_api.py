import pytest
from rest_framework.test import APIClient

from courses.access.user_tokens import user_token_create
from issuance.models import Issuance
from tests.pipeline.conftest import complete, drive


@pytest.fixture
def api(admin_user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {user_token_create(user=admin_user)[1]}")
    return client


def test_it_returns_an_issuance_in_the_documented_shape(api, smtp, course):
    issuance = drive(complete(course, name="Ann Lee", score=92))
    body = api.get(f"/api/v1/issuances/{issuance.pk}").json()

    assert set(body) == {"id", "learner", "course", "state", "reasons", "park_reason", "error", "credential", "timeline"}
    assert body["id"] == str(issuance.pk)
    assert body["learner"] == {"name": "Ann Lee", "email": "ann@learners.example"}
    assert (body["course"], body["state"], body["reasons"]) == ("FA-1", "synced", [])
    assert body["credential"] == str(issuance.credential.pk)
    assert [(e["from"], e["to"]) for e in body["timeline"]] == [
        (None, "validated"), ("validated", "eligible"), ("eligible", "rendered"),
        ("rendered", "badged"), ("badged", "delivered"), ("delivered", "synced"),
    ]
    assert set(body["timeline"][0]) == {"at", "from", "to", "actor", "detail"}
    assert body["timeline"][1]["actor"] == "system:system"


def test_it_gives_an_ineligible_issuance_its_reasons_and_no_credential(api, smtp, course):
    issuance = drive(complete(course, score=50))
    body = api.get(f"/api/v1/issuances/{issuance.pk}").json()
    assert body["credential"] is None
    assert body["reasons"] == ["Your score was 50; this course requires 80."]


def test_it_lists_issuances_filtered_by_state_course_and_email(api, smtp, course):
    drive(complete(course, email="ann@learners.example", score=92))
    drive(complete(course, email="bob@learners.example", score=10))

    assert [i["learner"]["email"] for i in api.get("/api/v1/issuances", {"state": "ineligible"}).json()["results"]] == ["bob@learners.example"]
    assert api.get("/api/v1/issuances", {"course": "FA-1"}).json()["count"] == 2
    assert api.get("/api/v1/issuances", {"course": "NOPE"}).json()["count"] == 0
    assert api.get("/api/v1/issuances", {"email": "ANN@learners.example"}).json()["count"] == 1
    assert api.get("/api/v1/issuances", {"organization": "harbour", "created_after": "2000-01-01"}).json()["count"] == 2


def test_it_explains_a_bad_filter(api, db):
    response = api.get("/api/v1/issuances", {"created_after": "yesterday"})
    assert response.status_code == 400
    assert "YYYY-MM-DD" in response.json()["created_after"]
    assert "Unknown state" in api.get("/api/v1/issuances", {"state": "lost"}).json()["state"]


@pytest.mark.parametrize("day", ["2026-02-30", "2026-13-45", "0000-00-00", "2026-1-5", "２０２６-01-05"])
def test_it_answers_400_to_a_date_filter_that_is_no_real_date(api, db, day):
    for name in ("created_after", "created_before"):
        response = api.get("/api/v1/issuances", {name: day})
        assert response.status_code == 400
        assert response.json()[name] == f"Expected a real date as YYYY-MM-DD, got {day!r}."


@pytest.mark.parametrize("page", ["abc", "0", "-1", "99"])
def test_it_answers_400_to_a_page_that_does_not_exist(api, db, page):
    for url in ("/api/v1/issuances", "/api/v1/events/"):
        response = api.get(url, {"page": page})
        assert response.status_code == 400, url
        assert "page" in response.json()


def test_it_answers_400_to_an_unknown_event_status(api, db):
    response = api.get("/api/v1/events/", {"status": "lost"})
    assert response.status_code == 400
    assert "Unknown status 'lost'" in response.json()["status"]


def test_it_resumes_a_parked_issuance_and_refuses_one_that_is_not(api, smtp, course, admin_user):
    issuance = complete(course, score=92)
    response = api.post(f"/api/v1/issuances/{issuance.pk}/resume")
    assert response.status_code == 409 and "not parked" in response.json()["detail"]

    Issuance.objects.filter(pk=issuance.pk).update(state=Issuance.State.PARKED, failed_step="decide", error="db down")
    body = api.post(f"/api/v1/issuances/{issuance.pk}/resume").json()
    assert body["state"] == "validated"
    assert body["timeline"][-1]["actor"] == f"staff:{admin_user.username}"
    assert "Resumed from the decide step" in body["timeline"][-1]["detail"]


def test_it_requires_a_token(client, smtp, course):
    issuance = complete(course, score=92)
    assert client.get(f"/api/v1/issuances/{issuance.pk}").status_code in (401, 403)
    assert APIClient().post(f"/api/v1/issuances/{issuance.pk}/resume").status_code == 401
