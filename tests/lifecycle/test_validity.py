"""Validity counts from the completion (the default) or the issue date, as the achievement says; the end is printed only when there is one."""

import io
from datetime import timedelta

import pypdf
from dateutil.relativedelta import relativedelta
from django.core.checks import run_checks
from django.utils import timezone

from tests.factories.courses import AchievementFactory, CourseFactory
from tests.pipeline.conftest import complete, drive


def _pdf_text(credential) -> str:
    with credential.pdf.open("rb") as stored:
        return " ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(stored.read())).pages)


def test_it_counts_validity_from_the_completion_by_default(smtp, first_aid):
    completed = timezone.now() - timedelta(days=10)

    credential = drive(complete(first_aid, when=completed)).credential

    assert credential.valid_from == completed and credential.valid_until == completed + relativedelta(months=12)


def test_it_counts_validity_from_the_issue_date_when_the_achievement_says_so(smtp, first_aid):
    achievement = first_aid.achievement
    achievement.validity_starts = achievement.ValidityStart.ISSUE
    achievement.save()

    credential = drive(complete(first_aid, when=timezone.now() - timedelta(days=10))).credential

    assert credential.valid_from == credential.issued_at
    assert credential.valid_until == credential.issued_at + relativedelta(months=12)
    assert "validUntil" in credential.badge


def test_it_prints_valid_until_only_on_a_certificate_that_expires(smtp, first_aid, academy):
    forever = CourseFactory(organization=academy, code="IND-1", title="Induction",
                            achievement=AchievementFactory(organization=academy, name="Induction"))

    expiring = drive(complete(first_aid)).credential
    lasting = drive(complete(forever, email="bo@learners.example")).credential

    assert "VALID UNTIL" in _pdf_text(expiring).upper()
    assert "ISSUED" in _pdf_text(lasting).upper()
    assert "VALID UNTIL" not in _pdf_text(lasting).upper() and "validUntil" not in lasting.badge


def test_it_refuses_a_bulk_cap_that_is_not_a_number(monkeypatch):
    monkeypatch.setenv("LAUREL_BULK_CONFIRM_OVER", "lots")

    [error] = [e for e in run_checks() if e.id == "laurel.E040"]

    assert "LAUREL_BULK_CONFIRM_OVER must be a whole number, not 'lots'" in error.msg
