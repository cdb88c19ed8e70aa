"""Completions typed in by staff: a session's roster and one credential by hand, through intake and the pipeline."""

import re
from datetime import date, timedelta

import pytest
from django.contrib.auth.models import User

from audit.models import AuditRecord
from issuance.intake.processing import completion_event_process
from issuance.models import CompletionEvent, HandIssue, Issuance, Learner, Roster
from courses.models import Course, Organization
from tests.factories.courses import CourseFactory, member
from tests.pipeline.conftest import drive

State = Issuance.State
ROSTER_ADD = "/admin/issuance/roster/add/"
HAND_ADD = "/admin/issuance/handissue/add/"
SHEET = "Name\tEmail\tAttendance\tScore\nAna Lima\tana@learners.example\t100\t92\nBen Okoro\tben@learners.example\t100 %\t85\n"


def staff(username, *codenames):
    """A staff member of every organisation there is, in the role that grants `codenames` (courses/access/roles.py):
    a facilitator (of every course) for rosters, an operator to issue by hand, an owner to override the rules."""
    user = User.objects.create_user(username, password="x", is_staff=True)
    role = ("owner" if "override_rules" in codenames else "operator" if "issue_by_hand" in codenames
            else "facilitator" if "enter_roster" in codenames else None)
    for organization in Organization.objects.all() if role else []:
        membership = member(user, organization, role)
        if role == "facilitator":
            membership.courses.set(Course.objects.filter(organization=organization))
    return User.objects.get(pk=user.pk)  # fresh, so the permission cache is empty


@pytest.fixture
def facilitator(db):
    return staff("fran", "enter_roster")


def page_keys(client, url):
    html = client.get(url).content.decode()
    return {name: re.search(rf'name="{name}" value="([^"]*)"', html).group(1)
            for name in ("submission_key", "revision") if f'name="{name}"' in html}


def roster_post(client, course, *, rows=(), paste="", action="_submit", url=ROSTER_ADD, keys=None, session_date=None):
    data = {**(keys or page_keys(client, url)), "course": course.pk, "session_date": (session_date or date.today()).isoformat(),
            "paste": paste, "row-TOTAL_FORMS": len(rows), "row-INITIAL_FORMS": 0, action: "1"}
    for index, row in enumerate(rows):
        for name, value in zip(("name", "email", "attendance", "score", "manager_email", "language"), row):
            data[f"row-{index}-{name}"] = value
    return client.post(url, data)


def process_form_events():
    """What the worker does with each form event: intake, then every pipeline step."""
    for event in CompletionEvent.objects.filter(channel="form", status="accepted"):
        completion_event_process(event_id=event.pk)
    return {issuance.learner.email: drive(issuance) for issuance in Issuance.objects.select_related("learner")}


def test_a_pasted_roster_ends_as_credentials_emailed_to_each_attendee(client, smtp, course, facilitator):
    client.force_login(facilitator)
    response = roster_post(client, course, paste=SHEET)
    roster = Roster.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/admin/issuance/roster/{roster.pk}/change/"

    issued = process_form_events()

    assert {email: issuance.state for email, issuance in issued.items()} == {
        "ana@learners.example": State.SYNCED, "ben@learners.example": State.SYNCED}
    assert [m["Subject"] for m in smtp.to("ana@learners.example")] == ["Your certificate for First Aid"]
    assert bytes(roster.rows.get(email="ben@learners.example").event.body).decode().count("100 %") == 1  # raw input kept
    opened = AuditRecord.objects.get(issuance=issued["ana@learners.example"], to_state=State.VALIDATED)
    assert opened.actor_user == facilitator and f"typed in on roster {roster.pk} by fran" in opened.detail
    page = client.get(f"/admin/issuance/roster/{roster.pk}/change/").content.decode()
    assert page.count("Credential issued and emailed") == 2
    assert Roster.objects.get().status == Roster.Status.SUBMITTED


def test_without_the_pages_script_the_message_says_which_columns_the_pasted_header_gave(client, course, facilitator):
    client.force_login(facilitator)
    paste = "Delegate name\tE-mail\tNotes\nAna Lima\tana@learners.example\tvegan\n"
    response = roster_post(client, course, paste=paste, action="_save")
    page = client.get(response["Location"]).content.decode()
    assert "Columns recognised: Delegate name → name, E-mail → email. Left out: Notes." in page
    assert Roster.objects.get().rows.get().name == "Ana Lima"


def test_a_bad_row_stays_in_the_draft_with_its_error_and_the_good_rows_go(client, smtp, course, facilitator):
    client.force_login(facilitator)
    roster_post(client, course, rows=[("Ana Lima", "ana@learners.example", "100", "92"),
                                      ("Ben Okoro", "ben@learners", "100", "120")])
    roster = Roster.objects.get()

    assert CompletionEvent.objects.filter(channel="form").count() == 1
    bad = roster.rows.get(email="ben@learners")
    assert bad.event is None and {e["field"] for e in bad.errors} == {"email", "score"}
    assert roster.status == Roster.Status.DRAFT
    page = client.get(f"/admin/issuance/roster/{roster.pk}/change/").content.decode()
    assert "&#x27;ben@learners&#x27; is not a valid email address" in page and "score &#x27;120&#x27; is outside 0–100" in page
    assert 'value="ben@learners"' in page  # still in the form, to be fixed
    assert process_form_events()["ana@learners.example"].state == State.SYNCED


def test_fixing_a_held_row_and_submitting_again_sends_only_that_row(client, smtp, course, facilitator):
    client.force_login(facilitator)
    roster_post(client, course, rows=[("Ana Lima", "ana@learners.example", "100", "92"), ("Ben Okoro", "ben@", "", "")])
    roster = Roster.objects.get()
    url = f"/admin/issuance/roster/{roster.pk}/change/"

    roster_post(client, course, rows=[("Ben Okoro", "ben@learners.example", "100", "81")], url=url)

    assert sorted(CompletionEvent.objects.filter(channel="form").values_list("external_id", flat=True)) == [
        f"roster:{roster.pk}:row:{row.pk}" for row in roster.rows.order_by("pk")]
    assert Roster.objects.get().status == Roster.Status.SUBMITTED


def test_submitting_the_same_page_twice_creates_nothing_new(client, smtp, course, facilitator):
    client.force_login(facilitator)
    keys = page_keys(client, ROSTER_ADD)
    roster_post(client, course, paste=SHEET, keys=keys)
    again = roster_post(client, course, paste=SHEET, keys=keys)  # the same new-roster page, posted again
    roster = Roster.objects.get()
    url = f"/admin/issuance/roster/{roster.pk}/change/"
    stale = roster_post(client, course, paste=SHEET, keys={"revision": 0}, url=url)  # an old page of this roster
    fresh = roster_post(client, course, url=url)  # the current page, nothing left to send

    assert again.status_code == stale.status_code == fresh.status_code == 302
    assert Roster.objects.count() == 1 and roster.rows.count() == 2
    assert CompletionEvent.objects.filter(channel="form").count() == 2
    messages = [str(m) for m in client.get(url).context["messages"]]
    assert any("nothing new was sent" in m for m in messages)


def test_a_rosters_language_column_reaches_each_issuance_and_a_malformed_tag_is_held(client, smtp, course, facilitator):
    client.force_login(facilitator)
    sheet = ("Name\tEmail\tScore\tLanguage\nAna Lima\tana@learners.example\t92\tpt_br\n"
             "Ben Okoro\tben@learners.example\t85\t\nCy Park\tcy@learners.example\t88\tfrançais\n")
    roster_post(client, course, paste=sheet, rows=[("Dee Ray", "dee@learners.example", "", "90", "", "fr")])  # typed in the grid
    roster = Roster.objects.get()

    issued = process_form_events()
    assert {email: issuance.language for email, issuance in issued.items()} == {
        "ana@learners.example": "pt-BR", "ben@learners.example": "en", "dee@learners.example": "fr"}
    held = roster.rows.get(email="cy@learners.example")
    assert held.event is None and [(e["field"], e["code"]) for e in held.errors] == [("language", "language_invalid")]
    page = client.get(f"/admin/issuance/roster/{roster.pk}/change/").content.decode()
    assert "&#x27;français&#x27; is not a BCP 47 language tag" in page and 'value="français"' in page
    assert [m["Subject"] for m in smtp.to("dee@learners.example")] == ["Votre certificat pour First Aid"]


def test_a_pasted_cell_longer_than_its_column_is_cut_and_reported_never_a_database_error(client, course, facilitator):
    client.force_login(facilitator)
    response = roster_post(client, course, paste=f"Name\tEmail\tAttendance\tLanguage\nAna Lima\tana@learners.example\t"
                                                 f"{'9' * 60}\t{'fr-' * 30}\n", action="_save")
    assert response.status_code == 302
    row = Roster.objects.get().rows.get()
    assert (len(row.attendance), len(row.language)) == (40, 40)
    assert {e["code"] for e in row.errors} == {"attendance_invalid", "language_invalid"}


def test_a_roster_for_a_future_date_is_refused_with_the_reason(client, course, facilitator):
    client.force_login(facilitator)
    response = roster_post(client, course, paste=SHEET, session_date=date.today() + timedelta(days=3))
    assert response.status_code == 200 and "is in the future" in response.content.decode()
    assert not Roster.objects.exists()


def test_one_credential_by_hand_ends_as_a_credential(client, smtp, course):
    issuer = staff("ines", "issue_by_hand")
    client.force_login(issuer)
    keys = page_keys(client, HAND_ADD)
    data = {**keys, "course": course.pk, "email": "Cy@Learners.example", "name": "Cy Park", "completed_on": date.today().isoformat(),
            "score": "88", "attendance": "", "reason": "Sat the assessment on paper; LMS was down."}
    response = client.post(HAND_ADD, data)
    again = client.post(HAND_ADD, data)  # a double click

    hand = HandIssue.objects.get()
    assert response.status_code == again.status_code == 302 and response["Location"] == again["Location"]
    issuance = process_form_events()["cy@learners.example"]
    assert issuance.state == State.SYNCED and len(smtp.to("cy@learners.example")) == 1
    assert hand.event.channel == "form" and Issuance.objects.count() == 1
    opened = AuditRecord.objects.get(issuance=issuance, to_state=State.VALIDATED)
    assert opened.actor_user == issuer and "Sat the assessment on paper" in opened.detail


def test_one_credential_by_hand_is_checked_before_anything_is_stored(client, course):
    client.force_login(staff("ines", "issue_by_hand"))
    response = client.post(HAND_ADD, {**page_keys(client, HAND_ADD), "course": course.pk, "email": "not-an-address",
                                      "name": "Cy Park", "completed_on": date.today().isoformat(), "score": "101", "reason": "x"})
    page = response.content.decode()
    assert response.status_code == 200 and "is not a valid email address" in page and "outside 0–100" in page
    assert not HandIssue.objects.exists() and not CompletionEvent.objects.exists()


def test_the_override_issues_despite_the_rules_and_the_audit_names_who_and_why(client, smtp, course):
    lead = staff("olu", "issue_by_hand", "override_rules")
    client.force_login(lead)
    client.post(HAND_ADD, {**page_keys(client, HAND_ADD), "course": course.pk, "email": "dee@learners.example", "name": "Dee Hart",
                           "completed_on": date.today().isoformat(), "score": "60", "override_rules": "on",
                           "reason": "Assessed in person by the lead trainer."})

    issuance = process_form_events()["dee@learners.example"]

    assert issuance.state == State.SYNCED and issuance.rules_overridden_by == lead
    decision = AuditRecord.objects.get(issuance=issuance, to_state=State.ELIGIBLE)
    assert decision.actor_kind == "staff" and decision.actor_user == lead
    assert "Rules overridden by olu: Assessed in person by the lead trainer." in decision.detail
    assert "the answer was no" in decision.detail


def test_without_the_override_permission_the_rules_decide(client, smtp, course):
    client.force_login(staff("ines", "issue_by_hand"))
    page = client.get(HAND_ADD).content.decode()
    client.post(HAND_ADD, {**page_keys(client, HAND_ADD), "course": course.pk, "email": "dee@learners.example", "name": "Dee Hart",
                           "completed_on": date.today().isoformat(), "score": "60", "override_rules": "on", "reason": "Please."})

    assert "override_rules" not in page
    assert HandIssue.objects.get().override_rules is False
    assert process_form_events()["dee@learners.example"].state == State.INELIGIBLE


def test_a_duplicate_is_refused_even_with_the_override(client, smtp, course):
    client.force_login(staff("olu", "issue_by_hand", "override_rules"))
    for _ in range(2):
        client.post(HAND_ADD, {**page_keys(client, HAND_ADD), "course": course.pk, "email": "dee@learners.example",
                               "name": "Dee Hart", "completed_on": date.today().isoformat(), "override_rules": "on", "reason": "r"})
        process_form_events()
    assert sorted(Issuance.objects.values_list("state", flat=True)) == [State.DUPLICATE, State.SYNCED]


def test_without_permission_the_pages_answer_403_and_an_unknown_roster_404(client, course, facilitator):
    client.force_login(staff("nobody"))
    assert client.get(ROSTER_ADD).status_code == 403
    assert client.get(HAND_ADD).status_code == 403
    client.force_login(facilitator)
    assert client.get(HAND_ADD).status_code == 403  # the roster permission does not issue by hand
    assert client.get("/admin/issuance/roster/999/change/").status_code == 404
    assert client.get("/admin/issuance/roster/nope/change/").status_code == 404


def test_the_course_and_the_learners_pages_link_to_both_forms(admin_client, course):
    CourseFactory(organization=course.organization, code="WS-1", is_active=False)
    learner = Learner.objects.create(organization=course.organization, email="ana@learners.example", name="Ana Lima")

    course_page = admin_client.get(f"/admin/courses/course/{course.pk}/change/").content.decode()
    learner_page = admin_client.get(f"/admin/issuance/learner/{learner.pk}/change/").content.decode()
    add_form = admin_client.get(f"{HAND_ADD}?learner={learner.pk}").content.decode()

    assert f"{ROSTER_ADD}?course={course.pk}" in course_page and f"{HAND_ADD}?course={course.pk}" in course_page
    assert f"{HAND_ADD}?learner={learner.pk}" in learner_page and f"{ROSTER_ADD}?learner={learner.pk}" in learner_page
    assert 'value="ana@learners.example"' in add_form
    index = admin_client.get("/admin/").content.decode()
    assert "/admin/issuance/roster/" in index and "/admin/issuance/handissue/" in index
