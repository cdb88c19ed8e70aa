"""The completion webhook over real HTTP, signed the way a Standard Webhooks sender signs."""

import json
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import pytest
import requests

from issuance.models import CompletionEvent, Issuance
from tests.factories.issuance import SourceFactory

from .conftest import generic_event

pytestmark = pytest.mark.django_db(transaction=True)

NEXT_SECRET = "whsec_bmV4dC1zZWNyZXQtZm9yLXJvdGF0aW9uLXRlc3Rz"


def test_it_accepts_a_signed_event_and_stores_the_raw_body_before_anything_else(sender, source):
    body = json.dumps(generic_event(), indent=2)
    response = sender.post(None, raw=body, message_id="msg_accept")
    assert response.status_code == 202
    reply = response.json()
    assert reply["status"] == "accepted" and reply["detail"]
    event = CompletionEvent.objects.get(pk=reply["event"])
    assert bytes(event.body) == body.encode()  # byte for byte, indentation included
    assert event.source == source and event.external_id == "msg_accept"
    assert event.status == CompletionEvent.Status.ACCEPTED
    assert event.headers["webhook-id"] == "msg_accept"
    assert event.headers["webhook-signature"].startswith("v1,")


def test_it_processes_an_accepted_event_into_an_issuance_in_the_worker(sender, task_queue):
    event_id = sender.post(generic_event(), message_id="msg_process").json()["event"]
    assert Issuance.objects.count() == 0  # the request itself only stores
    assert task_queue.run() == 1
    event = CompletionEvent.objects.get(pk=event_id)
    assert event.status == CompletionEvent.Status.PROCESSED
    issuance = event.issuances.get()
    assert issuance.learner.email == "ana@example.org"
    assert issuance.learner_name == "Ana Lima"
    assert issuance.course.code == "FA-101"
    assert issuance.completion["score"] == "86"


def test_it_answers_200_duplicate_for_a_webhook_id_already_received(sender):
    first = sender.post(generic_event(), message_id="msg_dup")
    again = sender.post(generic_event(), message_id="msg_dup")
    assert first.status_code == 202
    assert again.status_code == 200
    assert again.json()["status"] == "duplicate"
    assert again.json()["event"] == first.json()["event"]
    assert CompletionEvent.objects.count() == 1


def test_it_stores_and_processes_the_same_event_once_when_sent_50_times_10_at_once(sender, task_queue):
    body = json.dumps(generic_event())

    def send(_):
        return sender.post(None, raw=body, message_id="msg_storm")

    with ThreadPoolExecutor(max_workers=10) as pool:
        responses = list(pool.map(send, range(50)))
    codes = sorted(r.status_code for r in responses)
    assert codes.count(202) == 1 and codes.count(200) == 49, codes
    assert len({r.json()["event"] for r in responses}) == 1
    assert task_queue.run() == 1  # one task queued for the one stored event
    assert task_queue.run() == 0
    assert CompletionEvent.objects.count() == 1
    assert Issuance.objects.count() == 1


def test_it_accepts_either_secret_while_a_source_rotates(sender, source):
    source.signing_secret_next = NEXT_SECRET
    source.save()
    sender.secret = NEXT_SECRET
    assert sender.post(generic_event(), message_id="msg_new_key").status_code == 202
    # During the overlap a sender lists both signatures; one match is enough.
    both = sender.post(generic_event(), message_id="msg_both", secrets=["whsec_" + "b3RoZXI=" * 4, NEXT_SECRET])
    assert both.status_code == 202


@pytest.mark.parametrize(
    "case",
    ["no_signature", "wrong_secret", "tampered_body", "stale", "ahead", "garbage_signature", "no_timestamp"],
)
def test_it_answers_401_to_requests_that_are_not_authentic(sender, case):
    body = json.dumps(generic_event())
    headers = sender.signed_headers(body, message_id="msg_bad")
    if case == "no_signature":
        del headers["webhook-signature"]
    elif case == "wrong_secret":
        headers = sender.signed_headers(body, message_id="msg_bad", secrets=["whsec_d3Jvbmcta2V5LXdyb25nLWtleQ=="])
    elif case == "tampered_body":
        body = body.replace("86", "99")
    elif case == "stale":
        headers = sender.signed_headers(body, message_id="msg_bad", timestamp=int(time.time()) - 301)
    elif case == "ahead":
        # Well past the 5 minutes: a second's margin made the test fail whenever the request took the
        # clock into the next second (the exact boundary is tested with a fixed clock in test_signatures).
        headers = sender.signed_headers(body, message_id="msg_bad", timestamp=int(time.time()) + 330)
    elif case == "garbage_signature":
        headers["webhook-signature"] = "v1 nonsense,,, v1,%%%notbase64"
    elif case == "no_timestamp":
        del headers["webhook-timestamp"]
    response = requests.post(sender.url, data=body.encode(), headers=headers, timeout=10)
    assert response.status_code == 401
    assert response.json()["detail"]
    assert CompletionEvent.objects.count() == 0  # unauthenticated requests are not stored


def test_it_accepts_a_timestamp_four_minutes_old(sender):
    assert sender.post(generic_event(), message_id="msg_4min", timestamp=int(time.time()) - 240).status_code == 202


def test_it_answers_404_for_an_unknown_or_inactive_source(sender, source):
    response = requests.post(f"{sender.base_url}/api/v1/sources/nope/events", json={}, timeout=10)
    assert response.status_code == 404 and "nope" in response.json()["detail"]
    source.is_active = False
    source.save()
    assert sender.post(generic_event()).status_code == 404


def test_it_answers_415_to_a_body_that_is_not_declared_json(sender):
    response = sender.post(None, raw="email=ana@example.org", headers={"content-type": "application/x-www-form-urlencoded"})
    assert response.status_code == 415
    assert "application/json" in response.json()["detail"]


def test_it_answers_400_to_a_signed_body_that_is_not_json_and_parks_it(sender):
    response = sender.post(None, raw="{this is not json", message_id="msg_notjson")
    assert response.status_code == 400
    assert response.json()["status"] == "parked"
    event = CompletionEvent.objects.get(pk=response.json()["event"])
    assert bytes(event.body) == b"{this is not json"
    assert event.status == CompletionEvent.Status.PARKED
    assert event.park_reason == "body_not_json"
    assert "not valid JSON" in event.errors[0]["message"]


def test_it_answers_413_to_a_large_body_without_waiting_for_all_of_it(sender):
    # Declare 10 MB but send only the headers: a receiver that tried to read it all would hang.
    url = urlsplit(sender.url)
    request = (
        f"POST {url.path} HTTP/1.1\r\nHost: {url.netloc}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {10 * 1024 * 1024}\r\nwebhook-id: big\r\nwebhook-timestamp: {int(time.time())}\r\n"
        f"webhook-signature: v1,AAAA\r\nConnection: close\r\n\r\n"
    ).encode()
    with socket.create_connection((url.hostname, url.port), timeout=10) as conn:
        conn.sendall(request + b"{" + b" " * 1024)
        reply = b""
        while b"KiB" not in reply:  # the answer comes while 10 MB are still owed
            chunk = conn.recv(65536)
            if not chunk:
                break
            reply += chunk
        reply = reply.decode()
    assert reply.startswith("HTTP/1.1 413")
    assert "256 KiB" in reply


def test_it_answers_413_to_a_signed_body_just_over_256_kib(sender):
    payload = generic_event(extra={"padding": "x" * (256 * 1024)})
    assert sender.post(payload).status_code == 413


def test_it_answers_429_when_a_source_exceeds_its_rate_limit(sender, source):
    source.rate_limit_per_minute = 3
    source.save()
    codes = [sender.post(generic_event(), message_id=f"msg_rate_{n}").status_code for n in range(5)]
    # A window boundary may fall in between; the limit still holds within each minute.
    assert codes.count(429) >= 1, codes
    limited = sender.post(generic_event(), message_id="msg_rate_last")
    if limited.status_code == 429:
        assert int(limited.headers["Retry-After"]) >= 1
        assert "over 3 events a minute" in limited.json()["detail"]
    other = SourceFactory(organization=source.organization)
    other_sender = type(sender)(sender.base_url, other)
    assert other_sender.post(generic_event(), message_id="msg_other").status_code == 202  # per source
