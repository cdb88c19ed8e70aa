"""Expiry: past its end a credential reads expired everywhere at once, before and after the daily job."""

import re
from datetime import timedelta
from io import StringIO

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from courses.access.user_tokens import user_token_create
from issuance.reports import course_upcoming_expiries
from issuance.lifecycle.tasks import lifecycle_daily
from issuance.models import Credential, Issuance
from tests.pipeline.conftest import complete, drive


def _status(client, credential) -> str:
    page = client.get(f"/credentials/{credential.pk}").content.decode()
    return re.search(r'class="status status--(\w+)"', page).group(1), page


@pytest.fixture
def lapsed(smtp, first_aid):
    """A credential the real pipeline issued for a completion 13 months ago: its signed validUntil has passed."""
    issuance = drive(complete(first_aid, when=timezone.now() - timedelta(days=400)))
    assert issuance.state == "synced", issuance.error
    return issuance.credential


def test_it_shows_expired_on_the_page_before_and_after_the_daily_job(client, lapsed):
    assert lapsed.status == Credential.Status.ACTIVE  # the job has not run
    status, page = _status(client, lapsed)
    assert status == "expired" and "This credential was valid until" in page and "Add to LinkedIn" not in page

    assert lifecycle_daily().startswith("expired 1;")

    lapsed.refresh_from_db()
    assert lapsed.status == Credential.Status.EXPIRED
    assert _status(client, lapsed)[0] == "expired"
    assert lapsed.issuance.state == Issuance.State.EXPIRED
    record = lapsed.issuance.audit_records.get(to_state="expired")
    assert record.actor_label == "daily expiry job" and str(lapsed.pk) in record.detail


def test_it_expires_each_credential_once_however_often_the_job_runs(lapsed):
    assert lifecycle_daily().startswith("expired 1;")
    assert lifecycle_daily().startswith("expired 0;")
    assert lapsed.issuance.audit_records.filter(to_state="expired").count() == 1


def test_it_says_expired_in_the_api_before_the_job(lapsed, admin_user):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {user_token_create(user=admin_user)[1]}")

    body = api.get(f"/api/v1/credentials/{lapsed.pk}").json()

    assert body["status"] == "expired" and body["valid_until"] is not None


def test_it_lists_and_filters_expired_credentials_in_the_admin_before_the_job(admin_client, lapsed, hold):
    current = hold(email="bea@learners.example", expires=timezone.now() + timedelta(days=20))

    expired = admin_client.get("/admin/issuance/credential/?shown_status=expired").content.decode()
    active = admin_client.get("/admin/issuance/credential/?shown_status=active").content.decode()

    assert str(lapsed.pk) in expired and str(current.pk) not in expired
    assert str(current.pk) in active and str(lapsed.pk) not in active
    assert re.search(r'<td class="field-shown_status[^"]*"[^>]*>\s*<span[^>]*>Expired</span>', expired)  # the status column


def test_it_shows_a_courses_upcoming_expiries_on_its_admin_page(admin_client, hold, safety_course):
    soon, later = hold(expires=timezone.now() + timedelta(days=10)), hold(email="bob@learners.example",
                                                                           expires=timezone.now() + timedelta(days=60))
    hold(email="cy@learners.example", expires=timezone.now() + timedelta(days=200))

    assert course_upcoming_expiries(course=safety_course) == {30: 1, 90: 2}
    page = admin_client.get(f"/admin/courses/course/{safety_course.pk}/change/").content.decode()
    assert "1 in the next 30 days" in page and "2 in the next 90 days" in page
    listed = admin_client.get(f"/admin/issuance/credential/?issuance__course__id__exact={safety_course.pk}&expires=90")
    assert str(soon.pk) in listed.content.decode() and str(later.pk) in listed.content.decode()


def test_the_command_moves_expired_credentials_too_so_a_cron_line_is_enough(lapsed):
    from django.core.management import call_command

    call_command("send_renewal_reminders", "--dry-run", stdout=StringIO())
    assert Credential.objects.get(pk=lapsed.pk).status == Credential.Status.ACTIVE  # a dry run changes nothing

    call_command("send_renewal_reminders", stdout=StringIO())
    assert Credential.objects.get(pk=lapsed.pk).status == Credential.Status.EXPIRED


def test_the_daily_task_fails_with_the_count_above_the_cap(smtp, hold, monkeypatch):
    from issuance.lifecycle.tasks import RemindersRefused

    monkeypatch.setenv("LAUREL_BULK_CONFIRM_OVER", "0")
    hold(expires=timezone.now() + timedelta(days=30))

    with pytest.raises(RemindersRefused, match="more than LAUREL_BULK_CONFIRM_OVER \\(0\\).*--yes-send 1"):
        lifecycle_daily()
    assert smtp.messages == []
