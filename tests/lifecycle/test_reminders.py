"""send_renewal_reminders: each (credential, offset) once, only the latest after downtime, dates in each zone."""

from datetime import date, datetime, timedelta, timezone
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from issuance.models import Credential, OutboxMessage, RenewalReminder, Suppression
from tests.factories.courses import AchievementFactory, CourseFactory, OrganizationFactory
from stand_ins.smtp import body


def run(*args) -> list[str]:
    out = StringIO()
    call_command("send_renewal_reminders", *args, stdout=out)
    return out.getvalue().splitlines()


def test_it_sends_each_offset_once_however_often_it_runs(smtp, hold):
    credential = hold()

    for day in ("2026-10-12", "2026-10-12", "2026-10-13", "2026-12-11", "2026-12-11", "2027-01-10", "2027-01-10"):
        run("--today", day)

    subjects = [message["Subject"] for message in smtp.to("ann@learners.example")]
    assert subjects == [
        "Your Workplace Safety credential expires on 10 January 2027",
        "Your Workplace Safety credential expires on 10 January 2027",
        "Your Workplace Safety credential expires today",
    ]
    assert sorted(credential.renewal_reminders.values_list("offset_days", flat=True)) == [0, 30, 90]


def test_it_prints_one_line_per_offset_then_a_total(smtp, hold):
    org = hold(email="ann@learners.example").issuance.organization.slug
    hold(email="bob@learners.example", name="Bob Ray")

    assert run("--today", "2026-10-12", "--dry-run") == [
        "[dry run] 90 days before expiry: 2 would be sent, 0 suppressed",
        "[dry run] 30 days before expiry: 0 would be sent, 0 suppressed",
        "[dry run] on the day of expiry: 0 would be sent, 0 suppressed",
        "[dry run] total: 2 would be sent, 0 suppressed",
        "[dry run] would email ann@learners.example: Workplace Safety (" + org + "), 90 days before expiry, expires 2027-01-10",
        "[dry run] would email bob@learners.example: Workplace Safety (" + org + "), 90 days before expiry, expires 2027-01-10",
    ]
    assert smtp.messages == [] and not RenewalReminder.objects.exists()

    assert run("--today", "2026-10-12") == [
        "90 days before expiry: 2 sent, 0 suppressed",
        "30 days before expiry: 0 sent, 0 suppressed",
        "on the day of expiry: 0 sent, 0 suppressed",
        "total: 2 sent, 0 suppressed",
    ]
    assert len(smtp.messages) == 2


def test_it_says_what_expires_when_and_links_to_renew_and_to_the_credential(smtp, hold):
    credential = hold()

    run("--today", "2026-12-11")

    [message] = smtp.to("ann@learners.example")
    text, html = body(message, "plain"), body(message, "html")
    assert "Your Workplace Safety credential from Harbour Academy expires on 10 January 2027, in 30 days." in text
    assert "https://harbour.example/courses/ws-100/renew" in text and "https://harbour.example/courses/ws-100/renew" in html
    assert f"/credentials/{credential.pk}" in text and f"/credentials/{credential.pk}" in html
    assert OutboxMessage.objects.get().idempotency_key == f"renewal-reminder:{credential.pk}:30"


def test_it_links_to_the_course_page_when_the_course_has_no_renewal_page(smtp, hold, safety_course):
    safety_course.renewal_url = ""
    safety_course.save()
    hold()

    run("--today", "2026-12-11")

    assert "https://harbour.example/courses/ws-100" in body(smtp.messages[0], "plain").splitlines()


def test_it_sends_only_the_latest_due_reminder_after_ten_days_of_downtime(smtp, hold, safety_course):
    achievement = safety_course.achievement
    achievement.reminder_days_before, achievement.reminder_days_after = "90,30,7,0", 5
    achievement.save()
    credential = hold()
    day = date(2026, 10, 1)
    while day <= date(2027, 1, 20):  # daily, except ten days down from 2 to 11 January
        if not date(2027, 1, 2) <= day <= date(2027, 1, 11):
            run("--today", day.isoformat())
        day += timedelta(days=1)

    subjects = [message["Subject"] for message in smtp.to("ann@learners.example")]
    assert subjects == [
        "Your Workplace Safety credential expires on 10 January 2027",  # 90 days before
        "Your Workplace Safety credential expires on 10 January 2027",  # 30 days before
        "Your Workplace Safety credential expired on 10 January 2027",  # back on the 12th: the day-of reminder only
        "Your Workplace Safety credential expired on 10 January 2027",  # 5 days after
    ]
    outcomes = dict(credential.renewal_reminders.values_list("offset_days", "outcome"))
    assert outcomes == {90: "queued", 30: "queued", 7: "skipped", 0: "queued", -5: "queued"}


def test_it_sends_nothing_for_a_reminder_long_past(smtp, hold):
    hold()

    assert run("--today", "2027-06-01")[-1] == "total: 0 sent, 0 suppressed"
    assert smtp.messages == []


@pytest.mark.parametrize("status", [Credential.Status.REVOKED, Credential.Status.SUSPENDED, Credential.Status.SUPERSEDED])
def test_it_reminds_no_revoked_suspended_or_superseded_credential(smtp, hold, status):
    hold(status=status)

    run("--today", "2026-10-12")

    assert smtp.messages == []


def test_it_reminds_no_credential_already_renewed(smtp, hold):
    old = hold()
    renewal = hold(email="ann.renewed@learners.example", name="Ann Lee")
    Credential.objects.filter(pk=renewal.pk).update(replaces=old)

    run("--today", "2026-10-12")

    assert smtp.to("ann@learners.example") == []


def test_it_honours_the_suppression_list(smtp, hold, academy):
    hold()
    hold(email="bounced@learners.example", name="Bo Unce")
    Suppression.objects.create(organization=academy, address="bounced@learners.example", reason="hard_bounce")

    lines = run("--today", "2026-10-12")

    assert lines[0] == "90 days before expiry: 1 sent, 1 suppressed"
    assert smtp.to("bounced@learners.example") == [] and len(smtp.to("ann@learners.example")) == 1


def test_it_compares_dates_in_each_organisations_time_zone(smtp, hold, academy):
    academy.timezone = "Pacific/Auckland"  # UTC+13 in January
    academy.save()
    hold(email="ann@learners.example", expires=datetime(2027, 1, 10, 23, 30, tzinfo=timezone.utc))  # the 11th there
    western = OrganizationFactory(slug="pacific-coast", timezone="America/Los_Angeles")  # UTC-8
    course = CourseFactory(organization=western, achievement=AchievementFactory(organization=western, validity_amount=1,
                                                                                validity_unit="years"))
    hold(email="bo@learners.example", course=course, expires=datetime(2027, 1, 11, 3, 0, tzinfo=timezone.utc))  # the 10th there

    run("--today", "2026-10-12")  # 90 days before 10 January
    assert len(smtp.to("bo@learners.example")) == 1 and smtp.to("ann@learners.example") == []

    run("--today", "2026-10-13")  # 90 days before 11 January
    assert len(smtp.to("ann@learners.example")) == 1 and len(smtp.to("bo@learners.example")) == 1


def test_it_refuses_an_unknown_organisation_and_a_malformed_date(db):
    with pytest.raises(CommandError, match="No organisation has the slug 'nowhere'"):
        run("--org", "nowhere")
    with pytest.raises(CommandError, match="--today must be a date as YYYY-MM-DD, not '12/10/2026'"):
        run("--today", "12/10/2026")


def test_it_sends_nothing_above_the_cap_without_the_exact_count(smtp, hold, monkeypatch):
    monkeypatch.setenv("LAUREL_BULK_CONFIRM_OVER", "1")
    hold(email="ann@learners.example")
    hold(email="bob@learners.example", name="Bob Ray")

    with pytest.raises(CommandError, match=r"would email 2 learners, more than LAUREL_BULK_CONFIRM_OVER \(1\).*--yes-send 2"):
        run("--today", "2026-10-12")
    with pytest.raises(CommandError, match="would email 2 learners, not 3"):
        run("--today", "2026-10-12", "--yes-send", "3")
    assert smtp.messages == [] and not RenewalReminder.objects.exists()

    assert run("--today", "2026-10-12", "--yes-send", "2")[-1] == "total: 2 sent, 0 suppressed"
    assert len(smtp.messages) == 2
