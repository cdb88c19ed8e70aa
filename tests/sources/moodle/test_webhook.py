"""Moodle's local_webhooks plugin over real HTTP, enriched from a real Moodle web-services server."""

import io
import json
import socket
from decimal import Decimal

import pytest
import requests
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from audit.models import AuditRecord
from courses.models import RuleSetVersion
from courses.services import ruleset_version_publish
from issuance.intake.parked_events import parked_event_reprocess
from issuance.models import CompletionEvent, Issuance
from issuance.sources.settings_schema import SettingsError
from issuance.pipeline import issuance_resume
from issuance.sweep import completion_events_sweep
from tests.factories.courses import CourseFactory, RuleSetFactory, StaffUserFactory

from tests.sources.conftest import assert_delivered, event_outcome
from stand_ins.lms import MoodleWebServices, moodle_course_completed, php_json

pytestmark = pytest.mark.django_db(transaction=True)

# A base64 secret as `openssl rand -base64 24` makes one; about 2 in 5 hold a `/`, which PHP writes as `\/`.
PLUGIN_TOKEN = "plugin/Shared+tok3n=5f2a"
WS_TOKEN = "ws-token-9c81"


def course_completed(*, user="57", course="12", eventname="\\core\\event\\course_completed", token=PLUGIN_TOKEN, at=1767607080):
    return moodle_course_completed(user=user, course=course, eventname=eventname, token=token, at=at)


@pytest.fixture
def moodle():
    server = MoodleWebServices(token=WS_TOKEN).start()
    server.users["57"] = {"id": 57, "email": "łucja.kowalska@example.org", "firstname": "Łucja", "lastname": "Kowalska", "fullname": "Łucja Kowalska"}
    server.users["58"] = {"id": 58, "email": "ana.lima@example.org", "firstname": "Ana", "lastname": "Lima", "fullname": "Ana Lima"}
    server.completed |= {("57", "12"), ("58", "12"), ("58", "13")}
    server.course_totals[("58", "12")] = (43.5, 50)
    server.courses["12"] = {"id": 12, "shortname": "SAF-101", "fullname": "Safety 101"}
    server.courses["13"] = {"id": 13, "shortname": "UNKNOWN-9", "fullname": "Something else"}
    yield server
    server.stop()


@pytest.fixture
def source(make_source, moodle):
    return make_source("moodle", secret=PLUGIN_TOKEN, settings={"moodle_url": moodle.url, "ws_token": WS_TOKEN})


@pytest.fixture
def post(live_server, source):
    def send(payload, content_type="application/json"):
        # As the plugin sends it: PHP's json_encode, `/` written `\/`.
        return requests.post(f"{live_server.url}/api/v1/sources/{source.slug}/events", data=php_json(payload),
                             headers={"Content-Type": content_type}, timeout=30)

    return send


def test_it_enriches_a_completion_from_web_services_into_a_delivered_credential(post, task_queue, smtp, moodle):
    response = post(course_completed(user="58"))
    assert response.status_code == 202
    event = event_outcome(task_queue, response.json()["event"])
    issuance = assert_delivered(event, smtp, "ana.lima@example.org")
    assert issuance.learner_name == "Ana Lima" and issuance.course.code == "SAF-101"
    assert issuance.completion["score"] == "87.00"  # course total 43.5 of 50
    assert {r["form"]["wsfunction"] for r in moodle.requests} == {
        "core_user_get_users_by_field", "core_completion_get_course_completion_status",
        "gradereport_user_get_grade_items", "core_course_get_courses_by_field",
    }


def test_it_keeps_the_body_but_not_the_token(post):
    event = CompletionEvent.objects.get(pk=post(course_completed()).json()["event"])
    assert PLUGIN_TOKEN.encode() not in bytes(event.body)
    assert json.loads(bytes(event.body))["relateduserid"] == "57"


@pytest.mark.parametrize("spelling", ["php", "unicode escapes"])
def test_the_stored_body_keeps_no_token_however_the_sender_escaped_it(source, live_server, spelling):
    sent = php_json(course_completed())
    literal = b'"' + PLUGIN_TOKEN.replace("/", "\\/").encode() + b'"'
    assert literal in sent  # what PHP's json_encode sends
    if spelling == "unicode escapes":
        unicode_literal = b'"' + "".join(f"\\u{ord(c):04x}" for c in PLUGIN_TOKEN).encode() + b'"'
        sent, literal = sent.replace(literal, unicode_literal), unicode_literal
    response = requests.post(f"{live_server.url}/api/v1/sources/{source.slug}/events", data=sent,
                             headers={"Content-Type": "application/json"}, timeout=30)
    assert response.status_code == 202
    stored = bytes(CompletionEvent.objects.get().body)
    assert stored == sent.replace(literal, b'"[secret removed by Laurel]"')  # every other byte as sent


def test_it_accepts_whatever_content_type_the_plugin_was_set_to(post):
    assert post(course_completed(), content_type="text/plain").status_code == 202


def test_it_refuses_a_wrong_token_with_401_and_stores_nothing(post):
    response = post(course_completed(token="guess"))
    assert response.status_code == 401 and "token" in response.json()["detail"]
    assert CompletionEvent.objects.count() == 0


def test_it_refuses_addresses_outside_the_allowed_list(make_source, live_server, moodle):
    source = make_source("moodle", slug="moodle-walled", secret=PLUGIN_TOKEN,
                         settings={"moodle_url": moodle.url, "ws_token": WS_TOKEN, "allowed_addresses": "203.0.113.0/24"})
    response = requests.post(f"{live_server.url}/api/v1/sources/{source.slug}/events", json=course_completed(), timeout=30)
    assert response.status_code == 401 and "127.0.0.1" in response.json()["detail"]
    assert CompletionEvent.objects.count() == 0


def test_it_stores_a_replay_once(post):
    assert [post(course_completed()).status_code for _ in range(2)] == [202, 200]
    assert CompletionEvent.objects.get().external_id == "moodle:57:12:1767607080"


def test_it_keeps_other_events_as_ignored(post, task_queue, moodle):
    event = event_outcome(task_queue, post(course_completed(eventname="\\core\\event\\user_loggedin")).json()["event"])
    assert event.status == "ignored" and "user_loggedin" in event.ignored_reason
    assert moodle.requests == []  # nothing to fetch for a non-completion


def test_it_accepts_any_script_in_names_and_local_parts(post, task_queue):
    event = event_outcome(task_queue, post(course_completed(user="57")).json()["event"])
    assert event.status == "processed", event.errors
    assert event.issuances.get().learner.email == "łucja.kowalska@example.org"


@pytest.mark.parametrize(
    ("failure", "reason", "says"),
    [
        ((200, {"exception": "moodle_exception", "errorcode": "invalidtoken", "message": "Invalid token"}), "moodle_invalidtoken", "ws_token"),
        ((200, {"exception": "required_capability_exception", "errorcode": "nopermissions", "message": "Sorry, but you do not currently have permissions to do that (View user profiles)."}), "moodle_capability_missing", "capability"),
    ],
)
def test_it_parks_a_permanent_web_services_failure_at_once_with_a_reason_that_names_the_fix(post, task_queue, moodle, failure, reason, says):
    moodle.fail_with = failure
    event = event_outcome(task_queue, post(course_completed()).json()["event"])
    assert (event.status, event.park_reason) == ("parked", reason)
    assert says in event.errors[0]["message"]
    assert event.enrichment_attempts == 0 and len(moodle.requests) == 1  # not retried


def run_due_retries(task_queue, event_id, *, rounds: int) -> CompletionEvent:
    """As the sweep does every minute: once an event's wait is over, queue it again; the worker runs it."""
    for _ in range(rounds):
        CompletionEvent.objects.filter(pk=event_id, next_attempt_at__isnull=False).update(next_attempt_at=timezone.now())
        completion_events_sweep(stalled_after=3600)
        task_queue.run()
    return CompletionEvent.objects.get(pk=event_id)


@pytest.mark.parametrize(
    "failure",
    [
        (503, {"error": "maintenance"}),
        (200, {"exception": "moodle_exception", "errorcode": "sitemaintenance", "message": "Site is undergoing maintenance"}),
    ],
)
def test_it_retries_a_passing_failure_with_growing_waits_and_delivers_when_moodle_answers(post, task_queue, smtp, moodle, settings, failure):
    settings.LAUREL_ENRICHMENT_RETRY_SECONDS = [60, 300, 900]
    moodle.fail_with, moodle.fail_times = failure, 2  # the first two calls fail, then Moodle answers
    event_id = post(course_completed(user="58")).json()["event"]
    before = timezone.now()
    event = event_outcome(task_queue, event_id)
    assert (event.status, event.enrichment_attempts, event.park_reason) == ("accepted", 1, "")
    assert 55 <= (event.next_attempt_at - before).total_seconds() <= 65
    assert event.errors[0]["code"] == "moodle_unavailable"
    # Its wait is not over: an early copy of its task (or a sweep) leaves it alone.
    assert completion_events_sweep(stalled_after=0) == []
    task_queue.run()
    assert CompletionEvent.objects.get(pk=event_id).enrichment_attempts == 1
    event = run_due_retries(task_queue, event_id, rounds=1)
    assert (event.status, event.enrichment_attempts) == ("accepted", 2)
    assert 295 <= (event.next_attempt_at - timezone.now()).total_seconds() <= 300
    event = run_due_retries(task_queue, event_id, rounds=1)
    issuance = assert_delivered(event, smtp, "ana.lima@example.org")
    assert issuance.learner_name == "Ana Lima" and event.next_attempt_at is None
    tries = [r for r in moodle.requests if r["form"]["wsfunction"] == "core_user_get_users_by_field"]
    assert len(tries) == 3
    details = list(AuditRecord.objects.filter(event_id=event_id).values_list("detail", flat=True))
    assert sum("Try 1 of 4 at the sender's API failed, trying again in 60 s" in d for d in details) == 1


def test_it_parks_once_the_retries_are_used_up_naming_the_tries(post, task_queue, moodle, settings):
    settings.LAUREL_ENRICHMENT_RETRY_SECONDS = [60, 60]
    moodle.fail_with = (502, {"error": "bad gateway"})
    event_id = post(course_completed()).json()["event"]
    event_outcome(task_queue, event_id)
    event = run_due_retries(task_queue, event_id, rounds=2)
    assert (event.status, event.park_reason, event.enrichment_attempts) == ("parked", "moodle_unavailable", 3)
    message = event.errors[0]["message"]
    assert "HTTP 502" in message and "Tried 3 times since" in message and "reprocess" in message
    assert len(moodle.requests) == 3


def test_it_retries_when_nothing_listens_at_moodle_url(make_source, live_server, task_queue, settings):
    settings.LAUREL_ENRICHMENT_RETRY_SECONDS = [60]
    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens there
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    source = make_source("moodle", slug="moodle-gone", secret=PLUGIN_TOKEN,
                         settings={"moodle_url": f"http://127.0.0.1:{port}", "ws_token": WS_TOKEN})
    response = requests.post(f"{live_server.url}/api/v1/sources/{source.slug}/events", json=course_completed(), timeout=30)
    event = event_outcome(task_queue, response.json()["event"])
    assert (event.status, event.enrichment_attempts) == ("accepted", 1)
    event = run_due_retries(task_queue, event.pk, rounds=1)
    assert (event.status, event.park_reason) == ("parked", "moodle_unavailable")
    assert "did not answer core_user_get_users_by_field" in event.errors[0]["message"]


def test_reprocessing_a_parked_event_starts_a_fresh_count_of_tries(post, task_queue, moodle, settings):
    settings.LAUREL_ENRICHMENT_RETRY_SECONDS = []  # no retry: the first passing failure parks
    moodle.fail_with = (503, {"error": "maintenance"})
    event = event_outcome(task_queue, post(course_completed(user="58")).json()["event"])
    assert (event.status, event.enrichment_attempts, event.park_reason) == ("parked", 1, "moodle_unavailable")
    settings.LAUREL_ENRICHMENT_RETRY_SECONDS = [60]
    assert parked_event_reprocess(event_id=event.pk, user=StaffUserFactory()) == "retrying"
    event.refresh_from_db()
    assert (event.status, event.enrichment_attempts) == ("accepted", 1)  # counted afresh, not the 2nd of 1
    moodle.fail_with = None
    assert run_due_retries(task_queue, event.pk, rounds=1).status == "processed"


def test_the_guard_refuses_a_private_moodle_url_and_the_event_parks_saying_so(post, task_queue, moodle, settings):
    settings.LAUREL_ALLOW_PRIVATE_TARGETS = False
    event = event_outcome(task_queue, post(course_completed()).json()["event"])
    assert (event.status, event.park_reason) == ("parked", "moodle_url_refused")
    message = event.errors[0]["message"]
    assert "may not call moodle_url" in message and "https" in message and "LAUREL_ALLOW_PRIVATE_TARGETS" in message
    assert moodle.requests == []  # refused before anything left


def test_the_guard_refuses_an_https_moodle_url_that_resolves_to_a_private_address(make_source, live_server, task_queue, settings):
    settings.LAUREL_ALLOW_PRIVATE_TARGETS = False
    source = make_source("moodle", slug="moodle-inside", secret=PLUGIN_TOKEN,
                         settings={"moodle_url": "https://localhost:9", "ws_token": WS_TOKEN})
    response = requests.post(f"{live_server.url}/api/v1/sources/{source.slug}/events", json=course_completed(), timeout=30)
    event = event_outcome(task_queue, response.json()["event"])
    assert (event.status, event.park_reason) == ("parked", "moodle_url_refused")
    assert "private, loopback or link-local" in event.errors[0]["message"]


def test_it_parks_an_unknown_user_an_unmappable_course_and_an_unconfirmed_completion(post, task_queue, moodle):
    moodle.users["59"] = {"id": 59, "email": "", "firstname": "Noor", "lastname": "Haddad", "fullname": "Noor Haddad"}
    moodle.completed.add(("59", "12"))
    ids = {
        "unknown user": post(course_completed(user="99")).json()["event"],
        "no email": post(course_completed(user="59")).json()["event"],
        "unmappable course": post(course_completed(user="58", course="13")).json()["event"],
        "not completed": post(course_completed(user="58", course="14")).json()["event"],
    }
    task_queue.run()
    reasons = {label: CompletionEvent.objects.get(pk=pk).park_reason for label, pk in ids.items()}
    # `[]` for an id Moodle itself sent is a user the token may not see (moodle/user:viewdetails), not "unknown".
    assert reasons == {"unknown user": "moodle_capability_missing", "no email": "email_missing",
                       "unmappable course": "course_invalid", "not completed": "moodle_not_completed"}
    course_error = CompletionEvent.objects.get(pk=ids["unmappable course"]).errors[0]["message"]
    assert "'13'" in course_error and "UNKNOWN-9" in course_error


def test_its_mapping_table_wins_over_the_shortname(make_source, source, post, task_queue, course, org):
    other = CourseFactory(organization=org, code="SAF-102", title="Safety 102", achievement=course.achievement)
    make_source("moodle", slug=source.slug, mappings={"12": "SAF-102"})
    event = event_outcome(task_queue, post(course_completed(user="58")).json()["event"])
    assert event.issuances.get().course == other


@pytest.mark.parametrize(
    ("removed", "function", "named"),
    [
        ("moodle/course:view", "core_completion_get_course_completion_status", "moodle/course:view"),
        ("report/completion:view", "core_completion_get_course_completion_status", "report/completion:view"),
        ("moodle/grade:viewall", "gradereport_user_get_grade_items", "moodle/grade:viewall"),
        ("gradereport/user:view", "gradereport_user_get_grade_items", "gradereport/user:view"),
        ("moodle/site:viewuseridentity", "core_user_get_users_by_field", "moodle/site:viewuseridentity"),
        ("moodle/user:viewdetails", "core_user_get_users_by_field", "moodle/user:viewdetails"),
        ("webservice/rest:use", "core_user_get_users_by_field", "webservice/rest:use"),
        ("web services off", "core_user_get_users_by_field", "Enable web services"),
    ],
)
def test_each_missing_capability_parks_as_moodle_capability_missing_naming_it(post, task_queue, moodle, removed, function, named):
    if removed == "web services off":
        moodle.web_services_enabled = False  # Moodle answers HTTP 403 with an empty body
    moodle.capabilities.discard(removed)
    event = event_outcome(task_queue, post(course_completed(user="58")).json()["event"])
    assert (event.status, event.park_reason) == ("parked", "moodle_capability_missing")
    [error] = event.errors  # the cause alone: no "email missing" or "name missing" beside it
    assert function in error["message"] and named in error["message"]


def test_an_invalid_token_parks_with_its_one_cause_not_its_consequences(post, task_queue, moodle):
    moodle.token = "another"
    event = event_outcome(task_queue, post(course_completed(user="58")).json()["event"])
    assert [error["code"] for error in event.errors] == ["moodle_invalidtoken"]


def test_an_unexpected_moodle_error_code_is_kept_whole_as_the_park_reason(post, task_queue, moodle):
    moodle.fail_with = (200, {"exception": "core\\exception\\moodle_exception", "errorcode": "errorcoursecontextnotvalidx",
                              "message": "Something Laurel has not met"})
    event = event_outcome(task_queue, post(course_completed(user="58")).json()["event"])
    assert event.park_reason == "moodle_errorcoursecontextnotvalidx"  # 34 characters, none cut


def test_the_completion_time_is_the_latest_criterions_not_when_cron_fired_the_event(post, task_queue, smtp, moodle):
    moodle.completed_at[("58", "12")] = 1796610058  # graded at 02:20:58; cron fired the event at 02:24:21
    event = event_outcome(task_queue, post(course_completed(user="58", at=1796610261)).json()["event"])
    issuance = assert_delivered(event, smtp, "ana.lima@example.org")
    assert issuance.completion["completed_at"] == "2026-12-07T02:20:58+00:00"


@pytest.mark.parametrize(("order", "printed"), [("given_family", "小明 王"), ("family_given", "王 小明"), ("", "小明 王")])
def test_the_name_is_built_from_firstname_and_lastname_in_the_sources_order(make_source, live_server, task_queue, moodle, order, printed):
    moodle.users["60"] = {"id": 60, "email": "xiaoming@example.cn", "firstname": "小明", "lastname": "王", "fullname": "小明 王"}
    moodle.completed.add(("60", "12"))
    moodle.courses["12"] = {"id": 12, "shortname": "SAF-101", "fullname": "Safety 101"}
    settings = {"moodle_url": moodle.url, "ws_token": WS_TOKEN} | ({"name_order": order} if order else {})
    source = make_source("moodle", secret=PLUGIN_TOKEN, settings=settings)
    response = requests.post(f"{live_server.url}/api/v1/sources/{source.slug}/events", data=php_json(course_completed(user="60")),
                             headers={"Content-Type": "application/json"}, timeout=30)
    event = event_outcome(task_queue, response.json()["event"])
    assert event.issuances.get().learner_name == printed


def test_a_name_order_moodle_does_not_know_is_refused_by_name(make_source, moodle):
    with pytest.raises(SettingsError, match="given_family, family_given"):
        make_source("moodle", secret=PLUGIN_TOKEN, settings={"moodle_url": moodle.url, "ws_token": WS_TOKEN, "name_order": "surname"})


@pytest.fixture
def pass_mark(course, org):
    ruleset = RuleSetFactory(organization=org, name="Pass mark")
    ruleset_version_publish(version=RuleSetVersion.objects.create(ruleset=ruleset, min_score=Decimal(80)))
    course.ruleset = ruleset
    course.save(update_fields=["ruleset"])


@pytest.mark.usefixtures("pass_mark")
def test_an_ungraded_learner_is_parked_as_score_missing_never_told_they_fall_short(post, worker, smtp, moodle):
    # Moodle's course total is empty (graderaw null) until the course is graded.
    event = event_outcome(worker, post(course_completed(user="57")).json()["event"])
    issuance = event.issuances.get()
    assert (issuance.state, issuance.park_reason) == ("parked", "score_missing")
    assert "moodle-lms" in issuance.error and "gradebook" in issuance.error
    assert smtp.to("łucja.kowalska@example.org") == []  # no "No score was reported for you" email

    moodle.course_totals[("57", "12")] = (95, 100)  # graded in Moodle; staff resume: Laurel asks Moodle again
    issuance_resume(issuance_id=issuance.pk)
    worker.run()
    issuance.refresh_from_db()
    assert issuance.state in ("delivered", "synced") and issuance.completion["score"] == "95.00"
    assert "Asked the source" in AuditRecord.objects.filter(issuance=issuance, to_state="eligible").get().detail


def source_check(source) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("source_check", source=source.slug, stdout=out)
    except CommandError as exc:
        return 1, out.getvalue() + str(exc)
    return 0, out.getvalue()


@pytest.fixture
def mapped(make_source, moodle):
    moodle.enrolled["12"] = ["57", "58"]
    return make_source("moodle", secret=PLUGIN_TOKEN, settings={"moodle_url": moodle.url, "ws_token": WS_TOKEN}, mappings={"12": "SAF-101"})


def test_source_check_lists_every_function_ok_with_the_measured_minimum(mapped, moodle):
    status, printed = source_check(mapped)
    assert status == 0, printed
    for function in ("core_user_get_users_by_field", "core_completion_get_course_completion_status", "gradereport_user_get_grade_items",
                     "core_course_get_courses_by_field", "core_enrol_get_enrolled_users"):
        assert f"{function}: OK" in printed


@pytest.mark.parametrize(
    ("removed", "function", "named"),
    [
        ("moodle/grade:viewall", "gradereport_user_get_grade_items", "moodle/grade:viewall"),
        ("report/completion:view", "core_completion_get_course_completion_status", "report/completion:view"),
        ("moodle/site:viewuseridentity", "core_user_get_users_by_field", "moodle/site:viewuseridentity"),
        ("moodle/course:enrolreview", "core_enrol_get_enrolled_users", "moodle/course:enrolreview"),
    ],
)
def test_source_check_names_the_missing_capability_per_function_and_exits_non_zero(mapped, moodle, removed, function, named):
    moodle.capabilities.discard(removed)
    status, printed = source_check(mapped)
    assert status == 1
    [line] = [line for line in printed.splitlines() if line.strip().startswith(f"{function}:")]
    assert "moodle_capability_missing" in line and named in line
    assert "core_course_get_courses_by_field: OK" in printed


def test_source_check_without_a_mapped_course_says_what_to_do_and_fails(source):
    status, printed = source_check(source)
    assert status == 1 and "map a Moodle course" in printed


def test_the_check_connection_button_lists_each_function_on_the_sources_page(mapped, moodle, client):
    client.force_login(StaffUserFactory(username="boss", is_superuser=True))
    moodle.capabilities.discard("moodle/grade:viewall")
    page = client.post("/admin/issuance/source/", {"action": "check_connection", "_selected_action": [mapped.pk],
                                                    "laurel_from_object": "1"}, follow=True).content.decode()
    assert "core_user_get_users_by_field: OK" in page
    assert "gradereport_user_get_grade_items: moodle_capability_missing" in page and "moodle/grade:viewall" in page
    assert "Check connection" in client.get(f"/admin/issuance/source/{mapped.pk}/change/").content.decode()


def test_the_sources_page_warns_when_polling_is_off_since_the_plugin_never_retries(source, client):
    client.force_login(StaffUserFactory(username="boss", is_superuser=True))
    page = client.get(f"/admin/issuance/source/{source.pk}/change/").content.decode()
    assert "Polling is off" in page and "no retry" in page


def test_the_migration_removes_tokens_that_stored_bodies_kept_before(source):
    """Bodies stored before the redaction knew PHP's `\\/` still held the token; the data migration removes it."""
    sent = php_json(course_completed())
    others = php_json({**course_completed(user="58"), "token": "[token removed by Laurel]"})
    kept = [CompletionEvent.objects.create(source=source, external_id=f"moodle:{n}", body=body) for n, body in enumerate((sent, others))]
    executor = MigrationExecutor(connection)
    executor.migrate([("issuance", "0028_park_reasons_whole_and_bodies_redacted")])
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes("issuance"))

    redacted, untouched = (bytes(CompletionEvent.objects.get(pk=e.pk).body) for e in kept)
    literal = b'"' + PLUGIN_TOKEN.replace("/", "\\/").encode() + b'"'
    assert redacted == sent.replace(literal, b'"[secret removed by Laurel]"')
    assert untouched == others


def test_the_learners_moodle_language_reaches_the_issuance(post, task_queue, smtp, moodle):
    moodle.users["58"]["lang"] = "pt_br"  # Moodle names its language packs so; the key is absent when the token may not see it
    event = event_outcome(task_queue, post(course_completed(user="58")).json()["event"])
    issuance = assert_delivered(event, smtp, "ana.lima@example.org")
    assert (issuance.language, issuance.language_requested) == ("pt-BR", "pt-BR")


def test_a_moodle_user_without_a_language_gets_the_courses(post, task_queue, smtp, moodle, course):
    course.language = "fr"
    course.save()
    event = event_outcome(task_queue, post(course_completed(user="57")).json()["event"])
    issuance = Issuance.objects.get(event=event)
    assert (issuance.language, issuance.language_requested) == ("fr", "")
