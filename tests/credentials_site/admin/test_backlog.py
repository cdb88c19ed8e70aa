"""The dashboard's backlog: work waiting its turn per organisation (ADR 0013) and the estimate to clear it."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from courses.access.membership import staff_add
from issuance.models import Issuance
from issuance.reports import backlog_by_organization
from issuance.step_queue import Kind, turn_push
from tests.factories.courses import CourseFactory, OrganizationFactory
from tests.factories.issuance import IssuanceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def organizations():
    """A with 40 completions waiting (30 events, 10 steps) and 2 emails, B with 3 events, C with 5 events."""
    a, b, c = (OrganizationFactory(name=name) for name in ("Alder Academy", "Birch Institute", "Cedar College"))
    for n in range(30):
        turn_push(kind=Kind.EVENT, ref=f"a-event-{n}", organization_id=a.pk)
    for n in range(10):
        turn_push(kind=Kind.ISSUANCE, ref=f"a-step-{n}", organization_id=a.pk)
    for n in range(2):
        turn_push(kind=Kind.EMAIL, ref=f"a-mail-{n}", organization_id=a.pk)
    for n in range(3):
        turn_push(kind=Kind.EVENT, ref=f"b-event-{n}", organization_id=b.pk)
    for n in range(5):
        turn_push(kind=Kind.EVENT, ref=f"c-event-{n}", organization_id=c.pk)
    return a, b, c


def _finished(count: int, *, ago: timedelta):
    course = CourseFactory()
    for _ in range(count):
        issuance = IssuanceFactory(course=course)
        Issuance.objects.filter(pk=issuance.pk).update(finished_at=timezone.now() - ago, state=Issuance.State.SYNCED)


def test_each_organisation_is_estimated_from_its_turns_among_everyone_elses(organizations):
    a, b, c = organizations
    _finished(60, ago=timedelta(minutes=2))  # 60 in 5 minutes: 12 a minute, one every 5 s
    _finished(50, ago=timedelta(minutes=9))  # outside the window

    backlog = backlog_by_organization(organizations=[a.pk, b.pk], now=timezone.now())

    assert backlog["per_minute"] == 12.0
    rows = {row["organization_id"]: row for row in backlog["rows"]}
    assert set(rows) == {a.pk, b.pk}  # C's backlog counts in the estimates but is not shown
    assert rows[a.pk] | {"eta_seconds": None} == {"organization_id": a.pk, "events": 30, "steps": 10, "emails": 2,
                                                 "deliveries": 0, "completions": 40, "eta_seconds": None}
    # In turns: B is done after 3 turns each of A, B and C; A after all 48 completions.
    assert rows[b.pk]["eta_seconds"] == pytest.approx((3 + 3 + 3) * 5)
    assert rows[a.pk]["eta_seconds"] == pytest.approx((40 + 3 + 5) * 5)


def test_with_nothing_finished_lately_the_estimate_is_unknown_not_zero(organizations):
    a, _, _ = organizations

    [row] = backlog_by_organization(organizations=[a.pk], now=timezone.now())["rows"]

    assert row["completions"] == 40 and row["eta_seconds"] is None


def test_staff_see_their_organisations_backlog_and_the_page_refreshes_while_it_waits(client, organizations):
    a, b, _ = organizations
    _finished(60, ago=timedelta(minutes=1))
    client.force_login(staff_add(email="owner@birch.example", organization=b, role="owner").user)

    html = client.get("/admin/").content.decode()

    table = re.search(r"<table class=\"laurel-table\" data-backlog>(.*?)</table>", html, re.S).group(1)
    cells = [re.sub(r"<[^>]+>", "", cell) for cell in re.findall(r"<td>(.*?)</td>", table)]
    assert cells == ["Birch Institute", "3", "0", "0", "45 s"]
    assert "Alder Academy" not in html
    assert '<meta http-equiv="refresh" content="15">' in html


def test_with_nothing_waiting_there_is_no_backlog_and_no_refresh(admin_client):
    html = admin_client.get("/admin/").content.decode()

    assert "data-backlog" not in html and 'http-equiv="refresh"' not in html
