import csv
import io
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.utils import timezone

from audit.models import AuditRecord
from audit.services import audit_record
from courses.models import Membership, Organization
from issuance.models import Issuance, Learner
from tests.factories.courses import CourseFactory, OrganizationFactory

EXPORT = "/admin/audit/auditrecord/export/"


@pytest.fixture
def organization(db):
    return OrganizationFactory()


@pytest.fixture
def records(organization):
    made = [audit_record(to_state="validated", actor_kind="system", actor_label="system", detail=f"record {n}",
                         organization=organization) for n in range(3)]
    AuditRecord.objects.filter(pk=made[0].pk).update(at=timezone.now() - timedelta(days=10))
    AuditRecord.objects.filter(pk=made[1].pk).update(detail="=HYPERLINK(\"http://evil\")")
    return made


@pytest.fixture
def plain_staff_client(client, organization):
    """Staff who are not superusers, even with every audit permission granted (and an owner of the records' organisation)."""
    user = get_user_model().objects.create_user("clerk", password="pw", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="audit"))
    Membership.objects.create(user=user, organization=organization, role=Membership.Role.OWNER)
    client.force_login(user)
    return client


def test_it_lets_nobody_add_change_or_delete_audit_records(admin_client, plain_staff_client, records):
    record = records[2]
    for client in (admin_client, plain_staff_client):
        assert client.get("/admin/audit/auditrecord/add/").status_code == 403
        assert client.post(f"/admin/audit/auditrecord/{record.pk}/delete/", {"post": "yes"}).status_code == 403
        client.post(f"/admin/audit/auditrecord/{record.pk}/change/", {"detail": "rewritten"})
        record.refresh_from_db()
        assert record.detail == "record 2"
    page = plain_staff_client.get(f"/admin/audit/auditrecord/{record.pk}/change/").content.decode()
    assert "record 2" in page and 'name="_save"' not in page


def test_it_exports_a_date_range_as_streamed_csv(admin_client, records):
    today = timezone.localdate()
    response = admin_client.get(EXPORT, {"from": (today - timedelta(days=1)).isoformat(), "to": today.isoformat()})
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"] == "text/csv"
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:3] == ["at", "issuance", "event"]
    details = [row[-1] for row in rows[1:] if not row[7].startswith("config")]
    assert details == ["'=HYPERLINK(\"http://evil\")", "record 2"]  # the 10-day-old one is outside the range
    # The records' organisation was created today: that configuration change is in the export too.
    assert [row[7] for row in rows[1:] if row[7].startswith("config")] == ["config created"]


def test_it_refuses_a_range_that_is_backwards_or_not_a_date(admin_client, records):
    assert admin_client.get(EXPORT, {"from": "yesterday"}).status_code == 400
    response = admin_client.get(EXPORT, {"from": "2026-02-01", "to": "2026-01-01"})
    assert response.status_code == 400 and b"ends (2026-01-01) before it starts" in response.content


def test_it_keeps_the_export_from_staff_without_audit_permission(client, records):
    user = get_user_model().objects.create_user("nobody", password="pw", is_staff=True)
    client.force_login(user)
    assert client.get(EXPORT, {"from": "2026-01-01", "to": "2026-12-31"}).status_code == 403


def _export_rows(response):
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_it_exports_the_last_30_days_when_no_range_is_given(admin_client, records):
    rows = _export_rows(admin_client.get(EXPORT))
    assert rows[0] == ["at", "issuance", "event", "learner", "learner_email", "course", "from_state", "to_state",
                       "actor_kind", "actor_label", "detail"]
    records_only = [row[-1] for row in rows[1:] if not row[7].startswith("config")]  # configuration changes aside
    assert records_only == ["record 0", "'=HYPERLINK(\"http://evil\")", "record 2"]  # 10 days old is in


def test_the_export_honours_the_lists_filters_and_search(admin_client, records):
    audit_record(to_state="parked", actor_kind="staff", actor_label="clerk", detail="staff parked it")
    rows = _export_rows(admin_client.get(EXPORT, {"actor_kind__exact": "staff"}))
    assert [row[-1] for row in rows[1:]] == ["staff parked it"]
    rows = _export_rows(admin_client.get(EXPORT, {"q": "record 2"}))
    assert [row[-1] for row in rows[1:]] == ["record 2"]


def test_the_list_is_newest_first_and_its_export_link_carries_the_filters(admin_client, records):
    page = admin_client.get("/admin/audit/auditrecord/", {"actor_kind__exact": "system"}).content.decode()
    assert page.index("record 2") < page.index("record 0")
    assert '<input type="hidden" name="actor_kind__exact" value="system">' in page


def test_the_export_names_the_learner_and_course_and_includes_configuration_changes(admin_client, db):
    course = CourseFactory()
    organization = Organization.objects.get(pk=course.organization_id)
    organization.name = "Renamed Academy"
    organization.save()

    learner = Learner.objects.create(organization=organization, email="ann@learners.example", name="Ann Lee")
    issuance = Issuance.objects.create(organization=organization, learner=learner, course=course,
                                       achievement=course.achievement, learner_name="Ann Lee", completion={})
    audit_record(issuance=issuance, to_state="validated", actor_kind="system", actor_label="system", detail="checked")
    rows = _export_rows(admin_client.get(EXPORT))
    mine = [row for row in rows if row[-1] == "checked"]
    assert mine and mine[0][3:6] == ["Ann Lee", "ann@learners.example", course.code]
    assert any(row[7] == "config changed" and "Renamed Academy" in row[-1] and "name" in row[-1] for row in rows)
