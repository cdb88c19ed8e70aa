"""The exception queue and the CSV upload in the admin, as a staff member uses them."""

import json
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditRecord
from issuance.intake.processing import completion_event_process
from issuance.models import CompletionEvent, Issuance
from tests.factories.issuance import SourceCourseMappingFactory, SourceFactory
from tests.intake.conftest import course, generic_event, organization, source  # noqa: F401 (fixtures)

QUEUE = reverse("admin:issuance_parkedevent_changelist")


def _parked(source, external_id="evt-1", **overrides) -> CompletionEvent:
    event = CompletionEvent.objects.create(source=source, external_id=external_id, body=json.dumps(generic_event(**overrides)).encode())
    completion_event_process(event_id=event.pk)
    event.refresh_from_db()
    assert event.status == "parked"
    return event


def test_it_lists_only_parked_events_filterable_by_source_reason_and_age(admin_client, source):
    no_email = _parked(source, "a", learner={"name": "Ana Lima"})
    bad_course = _parked(source, "b", course={"id": "NOPE"})
    other = _parked(SourceFactory(organization=source.organization), "c", course={"id": "NOPE"})
    CompletionEvent.objects.create(source=source, external_id="fine", body=b"{}", status="processed")
    CompletionEvent.objects.filter(pk=bad_course.pk).update(parked_at=timezone.now() - timedelta(days=3))

    def listed(**params):
        response = admin_client.get(QUEUE, params)
        assert response.status_code == 200
        return {event.external_id for event in response.context["cl"].result_list}

    assert listed() == {"a", "b", "c"}
    assert listed(source__id__exact=source.pk) == {"a", "b"}
    assert listed(park_reason="course_invalid") == {"b", "c"}
    assert listed(age="hour") == {"a", "c"}
    assert listed(age="week") == {"b"}
    assert no_email.pk and other.pk


def test_it_shows_the_raw_payload_beside_the_errors_escaped(admin_client, source):
    event = _parked(source, learner={"name": "<script>alert(1)</script>"})
    page = admin_client.get(reverse("admin:issuance_parkedevent_change", args=[event.pk])).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)" not in page
    assert "The learner&#x27;s email is missing." in page
    assert "data.learner.email" in page


def test_it_lets_staff_correct_a_field_and_the_event_proceeds(admin_client, source, admin_user):
    event = _parked(source, learner={"name": "Ana Lima"})
    url = reverse("admin:issuance_parkedevent_change", args=[event.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {**{name: form.initial.get(name, "") for name in form.fields}, "email": "ana@example.org"}
    response = admin_client.post(url, data, follow=True)
    assert response.status_code == 200
    event.refresh_from_db()
    assert event.status == "processed"
    assert event.corrections == {"email": "ana@example.org"}
    assert event.park_reason == ""  # Events received no longer labels it with why it once waited
    assert json.loads(bytes(event.body))["data"]["learner"] == {"name": "Ana Lima"}  # the body is untouched
    assert Issuance.objects.get(event=event).learner.email == "ana@example.org"
    assert AuditRecord.objects.filter(event=event, actor_user=admin_user, to_state="accepted").exists()
    assert "passed validation" in str(list(response.context["messages"])[0])


def test_it_keeps_an_event_parked_when_the_correction_is_still_wrong(admin_client, source):
    event = _parked(source, completed_at="yesterday")
    parked_at = event.parked_at
    url = reverse("admin:issuance_parkedevent_change", args=[event.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {**{name: form.initial.get(name, "") for name in form.fields}, "completed_at": "2026-01-05 10:00"}
    response = admin_client.post(url, data, follow=True)
    event.refresh_from_db()
    assert event.status == "parked" and "no time zone" in event.errors[0]["message"]
    said = [str(message) for message in response.context["messages"]]
    assert len(said) == 1 and "still parked" in said[0]  # not also "changed successfully" (walk-through m5)
    assert response.redirect_chain[-1][0] == url
    assert event.parked_at == parked_at  # still as old in the queue's age bands as it was


def test_it_reprocesses_selected_events_after_a_confirmation_page(admin_client, source):
    events = [_parked(source, f"e{n}", course={"id": "moodle-7"}) for n in range(3)]
    ids = [str(e.pk) for e in events]
    confirm = admin_client.post(QUEUE, {"action": "reprocess_selected", "_selected_action": ids})
    assert confirm.status_code == 200
    assert "Reprocess these parked events?" in confirm.content.decode()
    assert CompletionEvent.objects.filter(status="parked").count() == 3  # nothing happened yet
    SourceCourseMappingFactory(source=source, external_id="moodle-7")  # the cause, fixed elsewhere
    done = admin_client.post(QUEUE, {"action": "reprocess_selected", "_selected_action": ids, "confirm": "yes"}, follow=True)
    assert "Reprocessed 3 events: 3 passed, 0 still parked" in str(list(done.context["messages"])[0])
    assert Issuance.objects.count() == 3


def test_it_discards_selected_events_with_a_reason_and_keeps_them_stored(admin_client, source):
    event = _parked(source, course={"id": "TEST-COURSE"})
    ids = [str(event.pk)]
    page = admin_client.post(QUEUE, {"action": "discard_selected", "_selected_action": ids})
    assert 'name="reason"' in page.content.decode()
    admin_client.post(QUEUE, {"action": "discard_selected", "_selected_action": ids, "confirm": "yes", "reason": ""})
    assert CompletionEvent.objects.get(pk=event.pk).status == "parked"  # no reason, no discard
    done = admin_client.post(
        QUEUE, {"action": "discard_selected", "_selected_action": ids, "confirm": "yes", "reason": "LMS test course"}, follow=True
    )
    event.refresh_from_db()
    assert (event.status, event.discarded_reason) == ("discarded", "LMS test course")
    assert "Discarded 1 events" in str(list(done.context["messages"])[0])
    assert AuditRecord.objects.filter(event=event, to_state="discarded").exists()


def test_it_uploads_a_csv_with_a_dry_run_preview_then_imports_on_confirm(admin_client, admin_user, source,
                                                                         django_capture_on_commit_callbacks):
    csv = (
        "email,name,course,completed_at,score\n"
        "ana@example.org,Ana Lima,FA-101,2026-01-05T09:58:00Z,90\n"
        ",No Email,FA-101,2026-01-05T09:58:00Z,90\n"
        "bo@example.org,Bo Berg,FA-101,not-a-date,\n"
    ).encode()
    url = reverse("admin:issuance_completionevent_import")
    preview = admin_client.post(
        url, {"source": source.pk, "format": 0, "import_file": SimpleUploadedFile("cohort.csv", csv, "text/csv")}
    )
    page = preview.content.decode()
    assert preview.status_code == 200
    assert "3 rows: 1 valid, 2 invalid" in page
    assert "The learner&#x27;s email is missing." in page
    assert "&#x27;not-a-date&#x27; is not a date we can read: write 2026-12-05" in page
    assert CompletionEvent.objects.count() == 0
    confirm_form = preview.context["confirm_form"]
    data = {name: confirm_form.initial.get(name, "") for name in confirm_form.fields}
    with django_capture_on_commit_callbacks(execute=False) as queued:
        done = admin_client.post(reverse("admin:issuance_completionevent_process_import"), data, follow=True)
    assert "Imported cohort.csv: 3 rows" in str(list(done.context["messages"])[0])
    assert CompletionEvent.objects.filter(channel="csv").count() == 3
    assert len(queued) == 1  # one batch queued for the worker, after commit
    assert {event.headers["uploaded-by"] for event in CompletionEvent.objects.filter(channel="csv")} == {admin_user.username}
    assert AuditRecord.objects.get(to_state="uploaded").actor_user == admin_user  # the upload names who did it
    # The same file again: every row is a duplicate.
    again = admin_client.post(
        url, {"source": source.pk, "format": 0, "import_file": SimpleUploadedFile("cohort.csv", csv, "text/csv")}
    )
    assert "3 duplicates" in again.content.decode()


def test_it_shows_a_clear_error_for_a_csv_missing_a_column(admin_client, source):
    url = reverse("admin:issuance_completionevent_import")
    response = admin_client.post(
        url, {"source": source.pk, "format": 0, "import_file": SimpleUploadedFile("x.csv", b"email,name\na@b.org,A\n", "text/csv")}
    )
    assert "Row 1 has no &#x27;course&#x27;" in response.content.decode()
    assert "confirm_form" not in response.context or response.context["confirm_form"] is None


def test_an_upload_in_the_wrong_encoding_names_the_row_and_stores_nothing(admin_client, source):
    latin1 = "email,name,course,completed_at\nana@example.org,Ana Lima,FA-101,2026-01-05T09:58:00Z\nz@example.org,Zoë Brandão,FA-101,2026-01-05T09:58:00Z\n"
    response = admin_client.post(
        reverse("admin:issuance_completionevent_import"),
        {"source": source.pk, "format": 0, "import_file": SimpleUploadedFile("cohort.csv", latin1.encode("latin-1"), "text/csv")},
    )
    page = response.content.decode()
    assert "UTF-8" in page and "row 3" in page.lower()
    assert CompletionEvent.objects.count() == 0


def test_it_imports_nothing_above_the_cap_until_the_count_is_typed(admin_client, source, monkeypatch):
    monkeypatch.setenv("LAUREL_BULK_CONFIRM_OVER", "1")
    csv = b"email,name,course,completed_at\n" + b"".join(
        f"l{n}@example.org,Learner {n},FA-101,2026-01-05T09:58:00Z\n".encode() for n in range(3))
    url = reverse("admin:issuance_completionevent_import")
    preview = admin_client.post(url, {"source": source.pk, "format": 0,
                                      "import_file": SimpleUploadedFile("cohort.csv", csv, "text/csv")})
    assert "Would email up to 3 learners." in preview.content.decode()
    confirm_form = preview.context["confirm_form"]
    data = {name: confirm_form.initial.get(name, "") for name in confirm_form.fields}

    refused = admin_client.post(reverse("admin:issuance_completionevent_process_import"), data, follow=True)
    assert "would email 3 learners, more than LAUREL_BULK_CONFIRM_OVER (1)" in str(list(refused.context["messages"])[0])
    assert CompletionEvent.objects.filter(channel="csv").count() == 0

    preview = admin_client.post(url, {"source": source.pk, "format": 0,
                                      "import_file": SimpleUploadedFile("cohort.csv", csv, "text/csv")})
    data = {name: preview.context["confirm_form"].initial.get(name, "") for name in preview.context["confirm_form"].fields}
    done = admin_client.post(reverse("admin:issuance_completionevent_process_import"), {**data, "confirm_count": 3}, follow=True)
    assert "Imported cohort.csv: 3 rows" in str(list(done.context["messages"])[0])
    assert CompletionEvent.objects.filter(channel="csv").count() == 3


def test_it_goes_on_to_the_event_when_a_fix_with_save_and_continue_takes_it_out_of_the_queue(admin_client, source):
    """Walk-through M4: "Save and continue editing" on a fixed event ended on a 404 page."""
    fixed, still_wrong = _parked(source, "fixed", learner={"name": "Ana Lima"}), _parked(source, "wrong", completed_at="yesterday")
    url = reverse("admin:issuance_parkedevent_change", args=[fixed.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {**{name: form.initial.get(name, "") for name in form.fields}, "email": "ana@example.org", "_continue": "1"}
    response = admin_client.post(url, data, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse("admin:issuance_completionevent_change", args=[fixed.pk])
    assert "passed validation" in str(list(response.context["messages"])[0])

    url = reverse("admin:issuance_parkedevent_change", args=[still_wrong.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {**{name: form.initial.get(name, "") for name in form.fields}, "completed_at": "2026-01-05 10:00", "_continue": "1"}
    response = admin_client.post(url, data, follow=True)
    assert response.status_code == 200 and response.redirect_chain[-1][0] == url  # still parked: stays on its page


def test_it_counts_one_reprocessed_event_in_the_singular(admin_client, source):
    event = _parked(source, "one", course={"id": "NOPE"})
    done = admin_client.post(QUEUE, {"action": "reprocess_selected", "_selected_action": [event.pk], "confirm": "yes"}, follow=True)
    assert "Reprocessed 1 event: 0 passed, 1 still parked" in str(list(done.context["messages"])[0])


def test_the_queue_and_the_events_list_say_who_and_find_them_by_name_or_address(admin_client, source):
    leo = _parked(source, "leo", learner={"email": "leo.king@example.org", "name": "Leo King"}, course={"id": "NOPE"})
    _parked(source, "ana", course={"id": "NOPE"})
    assert leo.learner_label == "Leo King <leo.king@example.org>"

    listing = admin_client.get(QUEUE).content.decode()
    assert "Leo King &lt;leo.king@example.org&gt;" in listing
    found = admin_client.get(QUEUE, {"q": "leo.king"}).context["cl"].result_list
    assert [event.external_id for event in found] == ["leo"]
    events = admin_client.get(reverse("admin:issuance_completionevent_changelist"), {"q": "Leo King"})
    assert [event.external_id for event in events.context["cl"].result_list] == ["leo"]


def test_a_processed_event_is_found_by_its_learner_too(admin_client, source):
    event = CompletionEvent.objects.create(source=source, external_id="ok", body=json.dumps(generic_event()).encode())
    assert completion_event_process(event_id=event.pk) == "processed"
    events = admin_client.get(reverse("admin:issuance_completionevent_changelist"), {"q": "ana@example.org"})
    assert [e.external_id for e in events.context["cl"].result_list] == ["ok"]
