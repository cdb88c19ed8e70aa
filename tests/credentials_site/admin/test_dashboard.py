"""The dashboard's per-day figures against the rows behind them: the day a row falls on is worked out
by the database (credentials_site/admin/dashboard.py), so these check it at each midnight, across a change of
clocks, outside the window and outside the user's organisations."""

import statistics
from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from issuance.reports import time_to_email_by_day, volume_by_course
from issuance.models import Issuance, OutboxMessage
from tests.factories.courses import CourseFactory, OrganizationFactory
from tests.factories.issuance import IssuanceFactory

pytestmark = pytest.mark.django_db

ZONE = ZoneInfo("America/New_York")  # clocks went back at 02:00 on 1 November 2026
NOW = datetime(2026, 11, 5, 12, 0, tzinfo=ZONE)
RECEIVED = [  # local times: each side of midnight, both sides of the change, the window's first and last moments
    datetime(2026, 10, 22, 23, 59, 59, tzinfo=ZONE),  # the day before the 14-day window: left out
    datetime(2026, 10, 23, 0, 0, tzinfo=ZONE),
    datetime(2026, 10, 31, 23, 59, 59, 999000, tzinfo=ZONE),
    datetime(2026, 11, 1, 0, 0, tzinfo=ZONE),
    datetime(2026, 11, 1, 1, 30, tzinfo=ZONE),  # EDT
    datetime(2026, 11, 1, 1, 30, fold=1, tzinfo=ZONE),  # the same wall time an hour later, EST
    datetime(2026, 11, 1, 23, 59, tzinfo=ZONE),
    datetime(2026, 11, 2, 0, 0, 1, tzinfo=ZONE),
    datetime(2026, 11, 5, 11, 59, tzinfo=ZONE),
]


@pytest.fixture
def received():
    """Issuances of two courses at RECEIVED, and one of another organisation the user may not see."""
    first = CourseFactory()
    second = CourseFactory(organization=first.organization)
    made = []
    for index, moment in enumerate(RECEIVED):
        issuance = IssuanceFactory(course=first if index % 3 else second)
        Issuance.objects.filter(pk=issuance.pk).update(created_at=moment)
        made.append(issuance.pk)
    other = IssuanceFactory(course=CourseFactory(organization=OrganizationFactory()))
    Issuance.objects.filter(pk=other.pk).update(created_at=RECEIVED[4])
    return first.organization, made


def test_completions_per_course_per_day_are_the_rows_counted_on_their_local_day(received):
    organization, _ = received
    with timezone.override(ZONE):
        volume = volume_by_course(organizations=[organization.pk], now=NOW)
        first_day = volume["days"][0]
        expected = Counter(
            ((course_id, code), created_at.astimezone(ZONE).date())
            for created_at, course_id, code in Issuance.objects.filter(organization=organization)
            .values_list("created_at", "course_id", "course__code")
            if created_at.astimezone(ZONE).date() >= first_day
        )
    assert volume["days"][-1] == NOW.date() and len(volume["days"]) == 14
    got = Counter({(course, day): count for course, values in volume["series"].items() for day, count in values.items()})
    assert got == expected
    assert sum(got.values()) == len(RECEIVED) - 1  # the day before the window is left out, and so is the other organisation
    assert sum(count for (_, day), count in got.items() if day == NOW.date().replace(day=1)) == 4  # 1 November: 25 hours


def test_time_to_email_per_day_is_the_percentiles_of_each_days_emails(received):
    organization, issuances = received
    delays = [5.25, 61, 3600.5, 2, 30, 45, 90, 7200, 12.125]
    for index, (pk, delay) in enumerate(zip(issuances, delays)):
        moment = RECEIVED[index].astimezone(UTC)  # (adding to a local time would lose the fold of 1:30 EST)
        message = OutboxMessage.objects.create(
            organization=organization, issuance_id=pk, kind=OutboxMessage.Kind.CREDENTIAL, idempotency_key=f"test:{pk}",
            recipient="ann@learners.example", from_email="certs@academy.example", subject="Your certificate", text_body="Hello",
            status=OutboxMessage.Status.SENT, sent_at=moment + timedelta(seconds=delay))
        OutboxMessage.objects.filter(pk=message.pk).update(created_at=moment + timedelta(seconds=1))
    with timezone.override(ZONE):
        points = time_to_email_by_day(organizations=[organization.pk], now=NOW)
    by_day = {}
    for message in OutboxMessage.objects.filter(organization=organization).select_related("issuance"):
        day = message.created_at.astimezone(ZONE).date()
        by_day.setdefault(day, []).append((message.sent_at - message.issuance.created_at).total_seconds())
    assert [point["day"] for point in points][-1] == NOW.date()
    for point in points:
        samples = sorted(by_day.get(point["day"], []))
        assert point["count"] == len(samples)
        if samples:
            assert point["p50"] == pytest.approx(samples[round(0.5 * (len(samples) - 1))], abs=0.001)
            assert point["p95"] == pytest.approx(samples[round(0.95 * (len(samples) - 1))], abs=0.001)
        else:
            assert point["p50"] is None and point["p95"] is None
    first_of_november = next(point for point in points if point["day"] == NOW.date().replace(day=1))
    assert first_of_november["count"] == 5 and first_of_november["p50"] == pytest.approx(statistics.median([3600.5, 2, 30, 45, 90]))
