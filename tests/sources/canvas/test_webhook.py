"""Canvas Live Events with Sign Payload: a JWT body verified against a real JWKS server that rotates."""

import pytest
import requests

from issuance.models import CompletionEvent

from tests.sources.conftest import assert_delivered, event_outcome

pytestmark = pytest.mark.django_db(transaction=True)


def live_event(*, name="course_completed", email="ana.lima@example.org", user_name="Ana Lima", course_id="42", sis="SAF-101", completed_at="2026-01-05T09:58:59.000Z"):
    return {
        "metadata": {"event_name": name, "event_time": "2026-01-05T10:02:03.118Z", "root_account_uuid": "AbC123",
                     "context_type": "Course", "context_id": "10000000000042", "user_id": "10000000000777", "request_id": "7d0c-42"},
        "body": {"course": {"account_id": "1", "id": course_id, "name": "Safety 101", "sis_source_id": sis},
                 "progress": {"completed_at": completed_at, "next_requirement_url": None, "requirement_completed_count": 8, "requirement_count": 8},
                 "user": {"email": email, "id": "777", "name": user_name}},
    }


@pytest.fixture
def source(make_source, jwks):
    return make_source("canvas", settings={"jwks_url": jwks.url + "/main/jwks"})


@pytest.fixture
def post(live_server, source, jwks):
    def send(claims, *, key=None, content_type="text/plain"):
        token = jwks.sign(claims, key=key)
        return requests.post(f"{live_server.url}/api/v1/sources/{source.slug}/events", data=token.encode(),
                             headers={"Content-Type": content_type}, timeout=30)

    return send


def test_it_verifies_a_signed_course_completed_into_a_delivered_credential(post, task_queue, smtp):
    response = post(live_event())
    assert response.status_code == 202, response.text
    event = event_outcome(task_queue, response.json()["event"])
    issuance = assert_delivered(event, smtp, "ana.lima@example.org")
    assert issuance.course.code == "SAF-101"  # by sis_source_id, no mapping needed


def test_it_accepts_the_jwt_whatever_its_content_type(post):
    assert post(live_event(), content_type="application/jwt").status_code == 202
    assert post(live_event(completed_at="2026-01-05T09:59:00Z"), content_type="application/json").status_code == 202


def test_it_follows_a_key_rotation_and_caches_the_key_set(post, jwks):
    assert post(live_event()).status_code == 202
    jwks.rotate()  # the new key appears; the cached set does not know its kid yet
    assert post(live_event(completed_at="2026-01-05T10:30:00Z")).status_code == 202
    assert post(live_event(completed_at="2026-01-05T10:31:00Z")).status_code == 202
    assert len(jwks.requests) == 2  # one fetch, one refetch for the new kid, then the cache


def test_it_refuses_a_token_signed_by_another_key_with_401_and_stores_nothing(post, jwks):
    from cryptography.hazmat.primitives.asymmetric import rsa

    forged = (jwks.current[0], rsa.generate_private_key(public_exponent=65537, key_size=2048))
    response = post(live_event(), key=forged)
    assert response.status_code == 401 and "does not verify" in response.json()["detail"]
    assert CompletionEvent.objects.count() == 0


def test_it_refuses_an_unsigned_body_with_401(live_server, source):
    response = requests.post(f"{live_server.url}/api/v1/sources/{source.slug}/events", json=live_event(), timeout=30)
    assert response.status_code == 401 and "Sign Payload" in response.json()["detail"]
    assert CompletionEvent.objects.count() == 0


def test_it_takes_a_refired_completion_as_one_event(post):
    assert [post(live_event()).status_code for _ in range(2)] == [202, 200]
    # completed_at to the second, so a poll of Canvas REST ("…59Z") finds the same event.
    assert CompletionEvent.objects.get().external_id == "canvas:777:42:2026-01-05T09:58:59Z"


def test_it_keeps_other_events_as_ignored(post, task_queue):
    event = event_outcome(task_queue, post(live_event(name="grade_change")).json()["event"])
    assert event.status == "ignored" and "grade_change" in event.ignored_reason


def test_it_parks_an_unmappable_course_and_a_missing_email(post, task_queue):
    post(live_event(course_id="43", sis="NOPE-1"))
    post(live_event(email=None, completed_at="2026-01-05T08:00:00Z"))
    task_queue.run()
    assert sorted(CompletionEvent.objects.values_list("park_reason", flat=True)) == ["course_invalid", "email_missing"]


def test_it_verifies_against_an_inline_key_set_and_lets_the_mapping_win(make_source, live_server, jwks, task_queue, org, course):
    from tests.factories.courses import CourseFactory

    other = CourseFactory(organization=org, code="SAF-102", title="Safety 102", achievement=course.achievement)
    source = make_source("canvas", slug="canvas-inline", settings={"jwks": jwks.keyset()}, mappings={"42": "SAF-102"})
    token = jwks.sign(live_event(user_name="Søren Kierkegård", email="søren@example.org"))
    response = requests.post(f"{live_server.url}/api/v1/sources/{source.slug}/events", data=token, timeout=30)
    event = event_outcome(task_queue, response.json()["event"])
    issuance = event.issuances.get()
    assert (issuance.course, issuance.learner_name, issuance.learner.email) == (other, "Søren Kierkegård", "søren@example.org")
    assert jwks.requests == []


def test_the_guard_refuses_a_private_jwks_url_with_a_clear_503_and_stores_nothing(post, jwks, settings):
    settings.LAUREL_ALLOW_PRIVATE_TARGETS = False
    response = post(live_event())
    assert response.status_code == 503
    detail = response.json()["detail"]
    assert "may not fetch jwks_url" in detail and "LAUREL_ALLOW_PRIVATE_TARGETS" in detail
    assert jwks.requests == [] and CompletionEvent.objects.count() == 0


def caliper_envelope():
    """A Caliper 1.1 envelope as Canvas sends one when a subscription is set to the Caliper format."""
    return {
        "sensor": "http://oxana.instructure.com/", "sendTime": "2026-01-05T10:02:03.118Z",
        "dataVersion": "http://purl.imsglobal.org/ctx/caliper/v1p1",
        "data": [{
            "@context": "http://purl.imsglobal.org/ctx/caliper/v1p1", "id": "urn:uuid:56f4a4b1-4c7e-4a5c-9a8b-3c2d1e0f9a87",
            "type": "NavigationEvent", "actor": {"id": "urn:instructure:canvas:user:10000000000777", "type": "Person"},
            "action": "NavigatedTo", "object": {"id": "urn:instructure:canvas:course:10000000000042", "type": "Page"},
            "eventTime": "2026-01-05T10:02:03.000Z", "edApp": {"id": "http://oxana.instructure.com/", "type": "SoftwareApplication"},
        }],
    }


@pytest.mark.parametrize(("claims", "described"), [
    (caliper_envelope(), "a Caliper envelope ('http://purl.imsglobal.org/ctx/caliper/v1p1')"),
    ({"event": "something_new", "at": "2026-01-05T10:00:00Z"}, "claims with the keys at, event"),
])
def test_it_stores_a_verified_token_that_is_no_live_event_as_ignored_with_a_2xx(post, task_queue, claims, described):
    """Canvas disables a subscription whose deliveries fail for a day: another format must not be refused."""
    response = post(claims)
    assert response.status_code == 202, response.text
    event = event_outcome(task_queue, response.json()["event"])
    assert event.status == "ignored" and "not a Canvas Live Event" in event.ignored_reason
    assert described.replace("('", "(dataVersion '") in event.ignored_reason
    assert post(claims).status_code == 200  # the same token again: a duplicate, stored once
    assert CompletionEvent.objects.count() == 1
