"""The staff admin in a real browser: the dashboard's figures, revoking from a credential's page,
fixing an event in the exception queue, and lists that fit a 1280 px screen."""

import json

import pytest
from django.urls import reverse
from django.utils import timezone

from issuance.intake.processing import completion_event_process
from issuance.models import CompletionEvent, Credential, Issuance, OutboxMessage
from tests.openbadges.conftest import academy, first_aid, issue, smtp  # noqa: F401  (fixtures)
from tests.factories.issuance import SourceFactory
from tests.intake.conftest import generic_event

LISTS = ["issuance_issuance", "issuance_credential", "issuance_completionevent", "issuance_parkedevent",
         "issuance_outboxmessage", "audit_auditrecord"]


@pytest.fixture
def parked_event(first_aid):
    # A long source name: CI's factory names (a long sequence number) once made the queue 2 px too wide.
    source = SourceFactory(organization=first_aid.organization, name="Moodle 4.5 at Northbridge Safety Academy (production site 20417)")
    body = generic_event(learner={"id": "u-9", "email": "not-an-address", "name": "Ana Lima"},
                         course={"id": first_aid.code, "title": first_aid.title})
    event = CompletionEvent.objects.create(source=source, external_id="evt-parked", body=json.dumps(body).encode())
    completion_event_process(event_id=event.pk)
    event.refresh_from_db()
    assert event.status == CompletionEvent.Status.PARKED
    return event


def figure(page, label: str) -> str:
    card = page.locator("a.laurel-figure", has=page.locator(".laurel-figure-label", has_text=label)).first
    return card.locator(".laurel-figure-value").inner_text().strip()


def test_the_dashboard_shows_what_the_database_holds_and_each_figure_opens_its_list(superuser_page, issue, parked_event, tmp_path):
    issue(email="ann@learners.example", name="Ann Lee")
    issue(email="bob@learners.example", name="Bob Roe")
    page = superuser_page
    page.goto("/admin/")
    today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    assert figure(page, "Issued today") == str(Credential.objects.filter(issued_at__gte=today).count()) == "2"
    assert figure(page, "Exception queue") == str(CompletionEvent.objects.filter(status="parked").count()) == "1"
    assert figure(page, "Parked issuances") == str(Issuance.objects.filter(state="parked").count())
    assert figure(page, "Failed deliveries") == str(OutboxMessage.objects.filter(status="failed").count())
    assert page.locator(".laurel-chart").count() == 3  # volume per course, time to email, engagement: inline SVG
    # The sidebar's exception queue link carries the waiting count.
    assert "1" in page.locator("#nav-sidebar a, nav a", has_text="Exception queue").first.inner_text()

    page.locator("a.laurel-figure", has=page.locator(".laurel-figure-label", has_text="Issued today")).click()
    page.wait_for_load_state()
    assert "/admin/issuance/credential/" in page.url
    assert page.locator("#result_list tbody tr").count() == 2
    page.screenshot(path=str(tmp_path / "credentials.png"))


def test_the_dashboard_says_how_long_at_a_glance_per_month_per_organisation_and_fits_a_phone(superuser_page, issue, academy, shots):
    from tests.factories.courses import OrganizationFactory

    issue(email="ann@learners.example", name="Ann Lee")
    harbour = OrganizationFactory(name="Harbour Safety Training")
    page = superuser_page
    page.goto("/admin/")
    median = page.locator("a.laurel-figure[data-how-long='0'] .laurel-figure-value").inner_text()
    assert median.endswith(" s") or median.endswith(" min")  # one credential email in the last 30 days
    months = page.get_by_test_id("calendar-months").locator("tbody tr")
    assert months.count() == 6 and "(so far)" in months.first.inner_text()
    assert months.first.locator("td").first.inner_text() == "1"  # issued this month

    page.select_option("#laurel-organization", str(harbour.pk))
    page.get_by_role("button", name="Show").click()
    page.wait_for_load_state()
    assert "Figures for Harbour Safety Training." in page.locator(".laurel-scope", has_text="Figures for").inner_text()
    assert page.get_by_test_id("calendar-months").locator("tbody tr").first.locator("td").first.inner_text() == "0"

    page.goto("/admin/")
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scroll on a phone
    page.screenshot(path=str(shots / "dashboard-390.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=str(shots / "dashboard-1280.png"), full_page=True)


def test_a_staff_member_revokes_a_credential_from_its_own_page(superuser_page, issue):
    credential = issue()
    page = superuser_page
    page.goto(reverse("admin:issuance_credential_change", args=[credential.pk]))
    assert page.locator("button[name=_save], input[name=_save]").count() == 0  # a record, not a form
    assert page.locator(f'a[href="{reverse("credential-page", args=[credential.pk])}"]').count() >= 1
    # The signed badge's proof value is one long token: it wraps instead of widening the page.
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    page.click("button[data-object-action=revoke_selected]")
    page.wait_for_load_state()
    page.fill("textarea[name=reason], input[name=reason]", "Issued to the wrong person")
    page.click("button[type=submit]:has-text('revoke'), input[type=submit][value*='revoke' i]")
    page.wait_for_load_state()
    credential.refresh_from_db()
    assert credential.status == Credential.Status.REVOKED
    assert credential.status_reason == "Issued to the wrong person"
    assert "Revoked: 1 credential." in page.content()
    # Back on the credential's own page, which now says so, not on the list.
    assert page.url.endswith(reverse("admin:issuance_credential_change", args=[credential.pk]))
    assert page.locator("button[data-object-action=revoke_selected]").count() == 0


def test_a_staff_member_fixes_a_parked_event_and_it_goes_on_to_a_credential(superuser_page, parked_event, smtp):
    page = superuser_page
    page.goto(reverse("admin:issuance_parkedevent_changelist"))
    row = page.locator("#result_list tbody tr").first
    assert "Email address not valid" in row.inner_text()  # the park reason in words, not email_invalid
    row.locator("a").first.click()
    page.wait_for_load_state()
    page.fill("input[name=email]", "ana@learners.example")
    page.click("button[name=_save], input[name=_save]")
    page.wait_for_load_state()
    parked_event.refresh_from_db()
    assert parked_event.status == CompletionEvent.Status.PROCESSED
    assert Issuance.objects.filter(event=parked_event, learner__email="ana@learners.example").exists()
    assert "passed validation" in page.content()


def test_the_main_lists_fit_a_1280_px_screen_without_sideways_scrolling(superuser_page, issue, parked_event):
    issue(name="Maximilian Alexander Featherstonehaugh-Worthington",
          email="maximilian.alexander.featherstonehaugh-worthington@a-very-long-learner-domain.example")
    page = superuser_page
    for name in LISTS:
        page.goto(reverse(f"admin:{name}_changelist"))
        overflowing = page.evaluate("""() => [...document.querySelectorAll('*')]
            .filter(e => e.scrollWidth > e.clientWidth + 1 && ['auto', 'scroll'].includes(getComputedStyle(e).overflowX))
            .map(e => (e.id || e.className).toString().slice(0, 40) + ' ' + e.scrollWidth + '>' + e.clientWidth)""")
        assert overflowing == [], (name, overflowing)
        assert page.evaluate("document.documentElement.scrollWidth") <= 1280, name


def test_the_backlog_shows_each_organisations_waiting_work_in_the_browser(superuser_page, first_aid, shots):
    from issuance.step_queue import Kind, turn_push

    organization = first_aid.organization
    for n in range(25):
        turn_push(kind=Kind.EVENT, ref=f"waiting-{n}", organization_id=organization.pk)
    turn_push(kind=Kind.EMAIL, ref="waiting-mail", organization_id=organization.pk)
    page = superuser_page
    page.goto("/admin/")

    table = page.locator("table[data-backlog]")
    assert table.locator("tbody tr td").all_inner_texts() == [
        organization.name, "25", "1", "0", "not yet known: nothing finished in the last 5 minutes"]
    table.scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "dashboard-backlog.png"), full_page=False)
