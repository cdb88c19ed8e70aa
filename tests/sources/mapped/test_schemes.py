"""Each authentication scheme and body format of a mapping, over real HTTP, with what is stored and why it is refused."""

import base64
import hashlib
import hmac
import json
import time
from datetime import datetime, timezone

import pytest
from standardwebhooks import Webhook

from issuance.intake.mapped_sample import mapped_event_read
from issuance.models import CompletionEvent, Source

from .conftest import outcome

pytestmark = pytest.mark.django_db(transaction=True)
SECRET = "a-long-enough-shared-secret"
EVENT = {"id": "ev-1", "event": "done", "learner": {"email": "ana@example.org", "name": "Ana Lima"}, "course": "SAF-101",
         "at": "14/11/2026 10:01", "score": "86%"}


def mapping(auth, **body):
    return {"auth": auth, "body": {"format": "json", **body},
            "completion_when": {"path": "event", "values": ["done"]},
            "fields": {"event_id": "id", "email": "learner.email", "name": "learner.name", "course": "course",
                       "completed_at": {"path": "at", "format": "%d/%m/%Y %H:%M", "time_zone": "America/New_York"},
                       "score": "score", "extra": {"cohort": "learner.cohort"}}}


@pytest.fixture
def make(mapped_source, sender):
    def build(auth, **body):
        return sender(mapped_source(mapping=mapping(auth, **body), secret=SECRET))
    return build


def test_it_checks_an_hmac_over_timestamp_and_body_within_its_tolerance(make, task_queue):
    post = make({"scheme": "hmac", "header": "X-Sig", "algorithm": "sha512", "encoding": "base64", "prefix": "v1=",
                 "signed": "timestamp.body", "timestamp_header": "X-Stamp", "tolerance_seconds": 60}).post
    body = json.dumps(EVENT).encode()

    def signed(stamp, key=SECRET):
        digest = base64.b64encode(hmac.new(key.encode(), f"{stamp}.".encode() + body, hashlib.sha512).digest()).decode()
        return post(body, headers={"X-Sig": "v1=" + digest, "X-Stamp": str(stamp)})

    now = int(time.time())
    assert signed(now - 120).status_code == 401
    assert signed(now, key="wrong").status_code == 401
    event = outcome(task_queue, signed(now))
    assert event.status == CompletionEvent.Status.PROCESSED, event.errors
    completion = event.issuances.get().completion
    # The time carries no zone, so it is read in the mapping's (New York, UTC-5 in November); "86%" is 86.
    assert (completion["completed_at"], completion["score"]) == ("2026-11-14T10:01:00-05:00", "86")


def test_it_checks_a_keyed_hash_in_sha1_hex(make):
    post = make({"scheme": "hash_body_secret", "header": "X-Hash", "algorithm": "sha1"}).post
    body = json.dumps(EVENT).encode()
    assert post(body, headers={"X-Hash": hashlib.sha1(body + SECRET.encode()).hexdigest().upper()}).status_code == 202
    assert post(body, headers={"X-Hash": hashlib.sha1(body).hexdigest()}).status_code == 401


def test_it_keeps_the_signature_header_the_mapping_names_so_a_stored_delivery_is_checked_again(make):
    post = make({"scheme": "hash_body_secret", "header": "X-Hash", "algorithm": "sha1"}).post
    body = json.dumps(EVENT).encode()
    signature = hashlib.sha1(body + SECRET.encode()).hexdigest()
    response = post(body, headers={"X-Hash": signature, "Cookie": "session=abc", "X-Other": "not configured"})
    assert response.status_code == 202
    event = CompletionEvent.objects.get(pk=response.json()["event"])
    assert event.headers["x-hash"] == signature and not {"cookie", "x-other"} & set(event.headers)
    checked = mapped_event_read(source=event.source, event=event)
    assert checked["authenticated"] is True and checked["auth_detail"].endswith("its kept signature still matches this source's secret.")
    Source.objects.filter(pk=event.source_id).update(signing_secret="another-long-enough-secret")
    rotated = mapped_event_read(source=Source.objects.get(pk=event.source_id), event=event)
    assert rotated["authenticated"] is False and "no longer matches: X-Hash does not match" in rotated["auth_detail"]


def test_it_never_keeps_a_token_header_or_authorization_even_when_the_mapping_names_it(make):
    token = make({"scheme": "token_header", "header": "X-Token"}).post
    kept = CompletionEvent.objects.get(pk=token(EVENT, headers={"X-Token": SECRET}).json()["event"]).headers
    assert "x-token" not in kept and SECRET not in json.dumps(kept)
    signed = make({"scheme": "hmac", "header": "Authorization", "algorithm": "sha256", "encoding": "hex"}).post
    body = json.dumps({**EVENT, "id": "ev-4"}).encode()
    response = signed(body, headers={"Authorization": hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()})
    assert response.status_code == 202 and "authorization" not in CompletionEvent.objects.get(pk=response.json()["event"]).headers


def test_it_takes_a_token_in_the_query_or_the_body_and_never_stores_the_body_token(make):
    query = make({"scheme": "token_query", "parameter": "key"})
    assert query.post(EVENT, suffix=f"?key={SECRET}").status_code == 202
    assert query.post(EVENT, suffix="?key=guess").status_code == 401
    body = make({"scheme": "token_body", "path": "auth.token"})
    assert body.post({**EVENT, "id": "ev-2", "auth": {"token": "guess"}}).status_code == 401
    assert body.post({**EVENT, "id": "ev-2", "auth": {"token": SECRET}}).status_code == 202
    stored = CompletionEvent.objects.get(external_id="ev-2")
    assert SECRET.encode() not in bytes(stored.body)
    assert json.loads(bytes(stored.body))["auth"]["token"] == "[secret removed by Laurel]"


def test_it_takes_http_basic_and_challenges_without_it(make):
    post = make({"scheme": "basic", "username": "lms"}).post
    good = base64.b64encode(f"lms:{SECRET}".encode()).decode()
    wrong_user = base64.b64encode(f"other:{SECRET}".encode()).decode()
    refused = post(EVENT)
    assert refused.status_code == 401 and refused.headers["WWW-Authenticate"].startswith("Basic")
    assert post(EVENT, headers={"Authorization": f"Basic {wrong_user}"}).status_code == 401
    assert post(EVENT, headers={"Authorization": f"Basic {good}"}).status_code == 202


def test_it_takes_allowed_addresses_only(make):
    post = make({"scheme": "token_header", "header": "X-Token", "allowed_addresses": ["203.0.113.0/24"]}).post
    refused = post(EVENT, headers={"X-Token": SECRET})
    assert refused.status_code == 401 and "127.0.0.1 is not an allowed address" in refused.json()["detail"]


def test_it_reads_a_form_post_as_flat_fields(mapped_source, sender, task_queue):
    form_mapping = mapping({"scheme": "token_header", "header": "X-Token"}, format="form")
    form_mapping["fields"].update(email="email", name="name", completed_at={"path": "at", "format": "unix_ms"}, score=None)
    post = sender(mapped_source(mapping=form_mapping, secret=SECRET)).post
    fields = {"id": "f-1", "event": "done", "email": "ana@example.org", "name": "Ana Lima", "course": "SAF-101", "at": "1763114519123"}
    assert post(json.dumps(fields), headers={"X-Token": SECRET}, content_type="application/json").status_code == 415
    event = outcome(task_queue, post(fields, headers={"X-Token": SECRET}, content_type="application/x-www-form-urlencoded"))
    assert event.status == CompletionEvent.Status.PROCESSED, event.errors
    assert event.issuances.get().completion["completed_at"] == "2025-11-14T10:01:59.123000+00:00"


def test_it_refuses_a_secret_address_on_a_source_that_has_none(make, make_source, sender):
    assert make({"scheme": "token_header", "header": "X-Token"}).post(EVENT, suffix=f"/{SECRET}").status_code == 404
    generic = make_source("generic", secret="whsec_" + base64.b64encode(b"k" * 32).decode())
    refused = sender(generic).post(EVENT, suffix=f"/{SECRET}")
    assert refused.status_code == 404 and "has no secret address" in refused.json()["detail"]


def test_it_answers_503_while_the_saved_mapping_is_broken(mapped_source, sender):
    source = mapped_source(mapping=mapping({"scheme": "token_header", "header": "X-Token"}), secret=SECRET)
    source.settings = {"mapping": {"auth": {"scheme": "magic"}}}
    source.save()
    refused = sender(source).post(EVENT, headers={"X-Token": SECRET})
    assert refused.status_code == 503 and "mapping is not valid" in refused.json()["detail"]
    assert CompletionEvent.objects.count() == 0


def test_a_delivery_signed_over_a_timestamp_is_checked_again_long_after_its_tolerance(make):
    post = make({"scheme": "hmac", "header": "X-Sig", "algorithm": "sha256", "encoding": "hex",
                 "signed": "timestamp.body", "timestamp_header": "X-Stamp", "tolerance_seconds": 60}).post
    body = json.dumps(EVENT).encode()
    stamp = int(time.time())
    response = post(body, headers={"X-Sig": hmac.new(SECRET.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest(),
                                   "X-Stamp": str(stamp)})
    event = CompletionEvent.objects.get(pk=response.json()["event"])
    CompletionEvent.objects.filter(pk=event.pk).update(headers={**event.headers, "x-stamp": str(stamp - 86400)})  # a day later…
    moved = mapped_event_read(source=event.source, event=CompletionEvent.objects.get(pk=event.pk))
    assert moved["authenticated"] is False and "no longer matches: X-Sig does not match" in moved["auth_detail"]
    checked = mapped_event_read(source=event.source, event=event)  # …and as kept: checked at the time it names
    assert checked["authenticated"] is True and checked["auth_detail"].endswith("its kept signature still matches this source's secret.")
    Source.objects.filter(pk=event.source_id).update(signing_secret="another-long-enough-secret")
    rotated = mapped_event_read(source=Source.objects.get(pk=event.source_id), event=event)
    assert rotated["authenticated"] is False and "no longer matches" in rotated["auth_detail"]


def test_a_standard_webhooks_delivery_is_checked_again_with_its_kept_headers(mapped_source, sender):
    secret = "whsec_" + base64.b64encode(b"a-standard-webhooks-key-32-bytes").decode()
    source = mapped_source(mapping=mapping({"scheme": "standard_webhooks"}), secret=secret)
    body = json.dumps(EVENT)
    sent_at = datetime.now(timezone.utc)
    signature = Webhook(secret).sign("msg_2Lh9KRb0pzN4LePd3XiA4", sent_at, body)  # the protocol's own library signs
    response = sender(source).post(body.encode(), headers={"webhook-id": "msg_2Lh9KRb0pzN4LePd3XiA4", "webhook-signature": signature,
                                                           "webhook-timestamp": str(int(sent_at.timestamp()))})
    assert response.status_code == 202, response.text
    event = CompletionEvent.objects.get(pk=response.json()["event"])
    checked = mapped_event_read(source=event.source, event=event)
    assert checked["authenticated"] is True and checked["auth_detail"].endswith("its kept signature still matches this source's secret.")
    Source.objects.filter(pk=source.pk).update(signing_secret="whsec_" + base64.b64encode(b"another-standard-webhooks-key-32").decode())
    rotated = mapped_event_read(source=Source.objects.get(pk=source.pk), event=event)
    assert rotated["authenticated"] is False and "no longer matches" in rotated["auth_detail"]
