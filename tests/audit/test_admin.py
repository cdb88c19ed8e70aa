import csv
import io
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.utils import timezone

from audit.models import AuditRecord
from audit.services import audit_record
from courses.models import Membership
from tests.factories import OrganizationFactory

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
    details = [row[-1] for row in rows[1:]]
    assert details == ["'=HYPERLINK(\"http://evil\")", "record 2"]  # the 10-day-old one is outside the range


def test_it_refuses_a_range_that_is_missing_or_backwards(admin_client, records):
    assert admin_client.get(EXPORT).status_code == 400
    response = admin_client.get(EXPORT, {"from": "2026-02-01", "to": "2026-01-01"})
    assert response.status_code == 400 and b"ends (2026-01-01) before it starts" in response.content


def test_it_keeps_the_export_from_staff_without_audit_permission(client, records):
    user = get_user_model().objects.create_user("nobody", password="pw", is_staff=True)
    client.force_login(user)
    assert client.get(EXPORT, {"from": "2026-01-01", "to": "2026-12-31"}).status_code == 403
