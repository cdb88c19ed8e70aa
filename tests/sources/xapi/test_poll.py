"""Polling an xAPI LRS: a real LRS on 127.0.0.1 with Basic auth, the version header and relative `more` links."""

import pytest
import requests
from django.core.management import call_command

from issuance.intake.digests import staff_digest_send
from issuance.intake.polling import source_poll
from issuance.models import CompletionEvent, Credential, PollCursor, SourcePoll

from stand_ins.smtp import body

from stand_ins.lms import LrsServer

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("private_targets")]

KEY, SECRET = "laurel-reader", "lrs-secret-5b1"
COMPLETED = "http://adlnet.gov/expapi/verbs/completed"


@pytest.fixture
def lrs():
    server = LrsServer(key=KEY, secret=SECRET, page_size=2).start()
    yield server
    server.stop()


@pytest.fixture
def source(make_source, lrs):
    return make_source("xapi", settings={"lrs_url": lrs.endpoint, "lrs_key": KEY, "lrs_secret": SECRET})


def test_it_follows_relative_more_links_to_the_end_and_issues_each_completion(source, lrs, worker, smtp):
    for n in range(5):
        lrs.add(email=f"learner{n}@example.org", timestamp=f"2026-01-05T09:5{n}:00Z")
    lrs.add(email="skimmer@example.org", verb="experienced")  # not asked for: another verb

    report = source_poll(source=source)
    worker.run()

    assert (report.found, report.new, report.outcome) == (5, 5, "done")
    assert Credential.objects.count() == 5
    assert all(len(smtp.to(f"learner{n}@example.org")) == 1 for n in range(5))
    assert all(r["version"] == "1.0.3" and r["authorization"].startswith("Basic ") for r in lrs.requests)
    assert sum("/more/" in r["path"] for r in lrs.requests) == 2  # pages 2 and 3 of the completed verb
    event = CompletionEvent.objects.filter(channel="poll").first()
    assert event.external_id in {s["id"] for s in lrs.statements}  # keyed by the statement id


def test_the_next_poll_asks_only_since_the_last_stored_statement(source, lrs, worker):
    first = lrs.add(email="ana@example.org")
    source_poll(source=source)
    lrs.requests.clear()
    lrs.add(email="ben@example.org")

    report = source_poll(source=source)

    assert (report.found, report.new) == (1, 1)
    cursor = PollCursor.objects.get(source=source, scope=COMPLETED)
    assert cursor.position > first["stored"] and cursor.resume is None
    assert all("since=" in r["path"] for r in lrs.requests if "verb=" in r["path"] and "completed" in r["path"])


def test_a_statement_posted_to_laurel_and_found_in_the_lrs_is_one_event(make_source, lrs, live_server, worker):
    source = make_source("xapi", secret="push-secret", slug="lrs-both",
                         settings={"key": "provider", "lrs_url": lrs.endpoint, "lrs_key": KEY, "lrs_secret": SECRET})
    statement = lrs.add(email="ana@example.org")
    pushed = requests.post(f"{live_server.url}/api/v1/sources/{source.slug}/xapi/statements", json=statement,
                           auth=("provider", "push-secret"), headers={"X-Experience-API-Version": "1.0.3"}, timeout=30)
    assert pushed.status_code == 200
    worker.run()

    report = source_poll(source=source)
    worker.run()

    assert (report.found, report.known, report.new) == (1, 1, 0)
    assert CompletionEvent.objects.count() == 1 and Credential.objects.count() == 1


def test_a_short_retry_after_is_waited_out_and_a_long_one_backs_the_source_off(source, lrs):
    lrs.add(email="ana@example.org")
    lrs.faults.rate_limited = ["1"]
    assert source_poll(source=source).new == 1  # waited a second, asked again

    lrs.faults.rate_limited = ["600"]
    report = source_poll(source=source)

    state = SourcePoll.objects.get(source=source)
    assert report.outcome == "failed" and "429" in report.detail
    assert state.status == SourcePoll.Status.BACKING_OFF
    assert 590 < (state.next_poll_after - state.last_poll_at).total_seconds() <= 600


def test_a_page_that_fails_halfway_resumes_at_that_page_without_duplicates(source, lrs, worker):
    for n in range(5):
        lrs.add(email=f"learner{n}@example.org")
    lrs.faults.fail_when = lambda path: "/more/" in path

    report = source_poll(source=source)
    assert (report.new, report.outcome) == (2, "failed")  # page one stored, page two answered 503
    cursor = PollCursor.objects.get(source=source, scope=COMPLETED)
    assert cursor.resume and "/xapi/statements/more/" in cursor.resume["more"]
    state = SourcePoll.objects.get(source=source)
    assert state.status == SourcePoll.Status.BACKING_OFF and state.failures == 1

    lrs.faults.fail_when = None
    again = source_poll(source=source)
    worker.run()

    assert (again.new, again.outcome) == (3, "done")
    assert CompletionEvent.objects.count() == 5 and Credential.objects.count() == 5
    assert SourcePoll.objects.get(source=source).status == SourcePoll.Status.IDLE


def test_an_expired_more_link_is_asked_again_from_the_cursor(source, lrs):
    for n in range(5):
        lrs.add(email=f"learner{n}@example.org")
    lrs.faults.fail_when = lambda path: "/more/" in path
    source_poll(source=source)  # stops on page two with its `more` saved
    lrs.faults.fail_when = None
    lrs._more.clear()  # the LRS forgot its more links: the saved one now answers 404

    report = source_poll(source=source)

    assert (report.new, report.outcome) == (3, "done")
    assert CompletionEvent.objects.count() == 5


def test_bad_credentials_park_the_source_and_staff_hear_of_it_once(make_source, lrs, org, smtp, settings):
    source = make_source("xapi", slug="lrs-wrong", settings={"lrs_url": lrs.endpoint, "lrs_key": KEY, "lrs_secret": "expired"})
    lrs.add(email="ana@example.org")

    first, second = source_poll(source=source), source_poll(source=source)

    state = SourcePoll.objects.get(source=source)
    assert first.outcome == second.outcome == "failed" and "credentials" in first.detail
    assert state.status == SourcePoll.Status.PARKED and "HTTP 401" in state.last_error
    assert staff_digest_send(organization=org) is not None
    source_poll(source=source)  # still parked: no second notice
    assert staff_digest_send(organization=org, now=state.parked_at.replace(year=state.parked_at.year + 1)) is None
    [notice] = smtp.to(org.notification_email)
    assert "Polling source lrs-wrong is parked" in body(notice, "plain")


def test_the_poll_command_prints_what_it_found_and_a_dry_run_stores_nothing(source, lrs, capsys):
    lrs.add(email="ana@example.org")
    call_command("poll", "--source", source.slug, "--dry-run")
    assert "Dry run" in capsys.readouterr().out and CompletionEvent.objects.count() == 0

    call_command("poll", "--source", source.slug)
    out = capsys.readouterr().out
    assert f"{COMPLETED}: found 1 · already known 0 · new 1" in out
    assert CompletionEvent.objects.count() == 1
