"""A Google Forms source in the admin: its Apps Script shown and downloadable with the intake URL, the secret only once."""

import pytest
from django.test import Client

from issuance.models import Source
from issuance.sources.configure import source_configure, source_intake_url
from tests.credentials_site.admin.pipeline.test_sources import staff  # noqa: F401 (a logged-in superuser)
from tests.factories.courses import OrganizationFactory, StaffUserFactory, member

from .conftest import SECRET

pytestmark = pytest.mark.django_db


def form(org, **overrides):
    data = {"organization": org.pk, "name": "Safety feedback form", "slug": "safety-form", "dialect": "google_forms", "is_active": "on",
            "signing_secret": "", "signing_secret_next": "", "rate_limit_per_minute": 600, "max_events_per_request": 100,
            "course_matching": "mapping", "google_forms__name_item": "Full name", "google_forms__attendance_yes": "Yes",
            "course_mappings-TOTAL_FORMS": 0, "course_mappings-INITIAL_FORMS": 0}
    return {**data, **overrides}


def test_a_new_source_shows_its_secret_once_with_the_script_filled_in(staff, org):  # noqa: F811
    response = staff.post("/admin/issuance/source/add/", form(org, google_forms__email_item="Work email"))
    assert response.status_code == 200 and b"New secret for Safety feedback form" in response.content
    source = Source.objects.get(slug="safety-form")
    assert source.signing_secret.startswith("whsec_") and source.settings["email_item"] == "Work email"
    page = response.content.decode()
    assert f"var LAUREL_URL = &quot;{source_intake_url(source)}&quot;;" in page
    assert f"var LAUREL_SECRET = &quot;{source.signing_secret}&quot;;" in page
    assert 'download="laurel-google-forms.gs" href="data:text/plain;charset=utf-8,' in page
    assert "no-store" in response["Cache-Control"]


def test_its_page_shows_the_script_with_the_url_and_never_the_secret(staff, org):  # noqa: F811
    source, _ = source_configure(organization_slug=org.slug, slug="safety-form", dialect="google_forms", secret=SECRET)
    page = staff.get(f"/admin/issuance/source/{source.pk}/change/").content.decode()
    assert "The form&#x27;s Apps Script" in page and "var LAUREL_SECRET = &#x27;__LAUREL_SECRET__&#x27;;" in page
    assert f"var LAUREL_URL = &quot;{source_intake_url(source)}&quot;;" in page
    assert SECRET not in page
    download = staff.get(f"/admin/issuance/source/{source.pk}/apps-script/")
    assert download["Content-Disposition"] == 'attachment; filename="laurel-google-forms.gs"'
    text = download.content.decode()
    assert f'var LAUREL_URL = "{source_intake_url(source)}";' in text and SECRET not in text
    assert "function laurelOnFormSubmit(e)" in text


def test_another_organisations_script_is_a_404_and_other_dialects_have_none(staff, org):  # noqa: F811
    source, _ = source_configure(organization_slug=org.slug, slug="safety-form", dialect="google_forms", secret=SECRET)
    stranger = StaffUserFactory(username="stranger", is_superuser=False)
    member(stranger, OrganizationFactory(slug="elsewhere"), "owner")
    other = Client()
    other.force_login(stranger)
    assert other.get(f"/admin/issuance/source/{source.pk}/apps-script/").status_code == 404
    generic, _ = source_configure(organization_slug=org.slug, slug="plain", dialect="generic", secret=SECRET)
    assert staff.get(f"/admin/issuance/source/{generic.pk}/apps-script/").status_code == 403
