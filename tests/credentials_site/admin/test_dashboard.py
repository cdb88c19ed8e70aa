"""The dashboard's per-day figures against the rows behind them: the day a row falls on is worked out
by the database (credentials_site/admin/dashboard.py), so these check it at each midnight, across a change of
clocks, outside the window and outside the user's organisations."""

import statistics
from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from issuance.reports import calendar_months, time_to_email_by_day, time_to_email_summary, volume_by_course
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


def _emailed(organization, issuance_pk: int, received: datetime, delay: float) -> None:
    Issuance.objects.filter(pk=issuance_pk).update(created_at=received)
    message = OutboxMessage.objects.create(
        organization=organization, issuance_id=issuance_pk, kind=OutboxMessage.Kind.CREDENTIAL, idempotency_key=f"m:{issuance_pk}",
        recipient="ann@learners.example", from_email="certs@academy.example", subject="Your certificate", text_body="Hello",
        status=OutboxMessage.Status.SENT, sent_at=received + timedelta(seconds=delay))
    OutboxMessage.objects.filter(pk=message.pk).update(created_at=received + timedelta(seconds=min(delay, 1)))


def test_the_headline_is_the_median_and_p90_of_the_last_30_days_emails(received):
    organization, issuances = received
    delays = [1, 2, 3, 4, 5, 6, 7, 8, 100]
    for pk, delay in zip(issuances, delays):
        _emailed(organization, pk, NOW.astimezone(UTC) - timedelta(days=2), delay)
    with timezone.override(ZONE):
        summary = time_to_email_summary(organizations=[organization.pk], now=NOW)
    assert summary == {"count": 9, "p50": pytest.approx(5, abs=0.01), "p90": pytest.approx(8, abs=0.01)}


def test_calendar_months_count_credentials_and_email_times_per_local_month_newest_first(received):
    organization, issuances = received
    # 31 October 23:30 and 1 November 00:30 New York time: either side of the month's first midnight.
    _emailed(organization, issuances[0], datetime(2026, 10, 31, 23, 30, tzinfo=ZONE).astimezone(UTC), 10)
    _emailed(organization, issuances[1], datetime(2026, 11, 1, 0, 30, tzinfo=ZONE).astimezone(UTC), 4)
    _emailed(organization, issuances[2], datetime(2026, 11, 3, 9, 0, tzinfo=ZONE).astimezone(UTC), 6)
    with timezone.override(ZONE):
        months = calendar_months(organizations=[organization.pk], now=NOW)
    assert [row["month"].isoformat() for row in months] == ["2026-11-01", "2026-10-01", "2026-09-01", "2026-08-01",
                                                             "2026-07-01", "2026-06-01"]
    assert months[0]["current"] and not months[1]["current"]
    assert (months[0]["emails"], months[0]["p50"]) == (2, pytest.approx(4, abs=0.01))
    assert (months[1]["emails"], months[1]["p50"]) == (1, pytest.approx(10, abs=0.01))
    assert all(row["emails"] == 0 and row["p90"] is None for row in months[2:])


def test_the_organisation_selector_narrows_every_figure_to_one_organisation_the_user_may_see(received, django_user_model):
    from credentials_site.admin.dashboard import dashboard_build

    organization, _ = received
    other = Issuance.objects.exclude(organization=organization).get().organization
    admin = django_user_model.objects.create_superuser("root@example.org", "root@example.org", "pw")
    with timezone.override(ZONE):
        everything = dashboard_build(user=admin, now=NOW)
        one = dashboard_build(user=admin, now=NOW, organization=str(other.pk))
        unknown = dashboard_build(user=admin, now=NOW, organization="999999")
    assert {pk for pk, _ in everything.choices} == {organization.pk, other.pk} and everything.chosen is None
    assert one.chosen == other.pk and one.organizations == [other.name]
    assert sum(sum(values.values()) for values in one.volume["series"].values()) == 1  # the other organisation's one issuance
    assert unknown.chosen is None and len(unknown.organizations) == 2  # an id the user may not pick shows everything


def test_the_time_to_email_chart_scales_to_its_values_so_two_seconds_is_not_a_flat_line():
    from datetime import date

    from credentials_site.admin.dashboard import time_to_email_chart

    points = [{"day": date(2026, 12, day), "count": 3, "p50": 0.4, "p95": 1.8, "url": "/x"} for day in range(1, 4)]
    chart = time_to_email_chart(points)
    assert [mark["label"] for mark in chart["grid"]] == ["0.5 s", "1 s", "1.5 s", "2 s"]  # was 0–60 s
    assert chart["p95"][0]["dots"][0]["y"] < chart["base_y"] - 100  # p95 near the top, not along the floor


def test_why_not_eligible_is_one_row_per_cause_each_linking_to_its_issuances_of_the_chosen_organisation(client, django_user_model):
    from credentials_site.admin.dashboard import dashboard_build

    course = CourseFactory()
    other_course = CourseFactory(organization=OrganizationFactory())
    sentences = [
        ["Your score was 70; this course requires 75."],
        ["Your score was 60; this course requires 75."],
        ["Your score was 50; this course requires 75.", "Your attendance was 60%; this course requires 100%."],
        ["Your score was reported as 'n/a', which is not a number; this course requires 75."],
        ["Safe Work Programme: 1 of 3 courses done."],
    ]
    for reasons in sentences:
        IssuanceFactory(course=course, state=Issuance.State.INELIGIBLE, reasons=reasons)
    IssuanceFactory(course=other_course, state=Issuance.State.INELIGIBLE, reasons=["Your score was 10; this course requires 75."])
    admin = django_user_model.objects.create_superuser("root@example.org", "root@example.org", "pw")
    chosen = dashboard_build(user=admin, organization=str(course.organization_id))
    rows = {figure.label: figure for figure in chosen.ineligible}
    assert {label: figure.value for label, figure in rows.items()} == {  # was one row per sentence: 5 rows here
        "Score below the pass mark": 3, "Attendance below the minimum": 1, "Score or attendance not a number": 1, "Other reasons": 1}
    assert list(rows)[0] == "Score below the pass mark" and rows["Score below the pass mark"].hint.startswith("For example: Your score was")
    client.force_login(admin)
    for label, expected in [("Score below the pass mark", 3), ("Attendance below the minimum", 1),
                            ("Score or attendance not a number", 1), ("Other reasons", 1)]:
        response = client.get(rows[label].url)
        assert response.status_code == 200 and response.context["cl"].result_count == expected, label  # the rows it counted
    everything = dashboard_build(user=admin)
    assert {f.label: f.value for f in everything.ineligible}["Score below the pass mark"] == 4


def test_every_dashboard_link_keeps_the_chosen_organisation_and_opens_its_list(received, client, django_user_model):
    from urllib.parse import parse_qs, urlsplit

    from credentials_site.admin.dashboard import dashboard_build

    organization, _ = received
    admin = django_user_model.objects.create_superuser("root@example.org", "root@example.org", "pw")
    dashboard = dashboard_build(user=admin, organization=str(organization.pk))
    figures = [*dashboard.issued, dashboard.time_saved, *dashboard.attention, *dashboard.queue_age, *dashboard.expiries,
               *dashboard.how_long, *dashboard.ineligible]
    urls = [figure.url for figure in figures] + [row["url"] for row in dashboard.months] + [p["url"] for p in dashboard.time_to_email]
    client.force_login(admin)
    for url in urls:
        values = [v for key, v in parse_qs(urlsplit(url).query).items() if key.endswith("organization__id__exact")]
        assert values == [[str(organization.pk)]], url  # was the unfiltered list of every organisation
        response = client.get(url)
        assert response.status_code == 200 and "e=1" not in response.get("Location", ""), url  # a lookup the list accepts
