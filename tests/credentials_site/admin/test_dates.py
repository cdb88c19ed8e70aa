"""Dates on record pages and lists read as the lists' own short dates do: day first, 24-hour clock
(walk-through m12: record pages printed "Dec. 7, 2026, 2:28 a.m." beside lists in "7 Dec 02:15" style)."""

from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import User
from django.utils import formats

from courses.models import CertificateTemplate
from tests.factories.issuance import organization_with_templates

pytestmark = pytest.mark.django_db


def test_a_record_page_and_a_list_print_dates_day_first_on_a_24_hour_clock(client):
    organization = organization_with_templates(name="Harbour Academy", slug="harbour")
    template = CertificateTemplate.objects.filter(organization=organization).order_by("pk").first()
    CertificateTemplate.objects.filter(pk=template.pk).update(updated_at=datetime(2026, 12, 7, 14, 28, tzinfo=UTC))
    client.force_login(User.objects.create_superuser("root@example.org", "root@example.org", "pw"))
    page = client.get(f"/admin/courses/certificatetemplate/{template.pk}/change/").content.decode()
    listed = client.get("/admin/courses/certificatetemplate/").content.decode()
    for shown in (page, listed):
        assert "7 Dec 2026 14:28" in shown
        assert "Dec. 7, 2026" not in shown and "p.m." not in shown


def test_english_input_formats_are_still_djangos():
    assert "%Y-%m-%d" in formats.get_format("DATE_INPUT_FORMATS", lang="en")
    assert formats.date_format(datetime(2026, 12, 5), "DATE_FORMAT") == "5 Dec 2026"
