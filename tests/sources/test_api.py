"""/api/v1/sources/ for integration managers: set up with the same checks as source_add, secrets never returned."""

import pytest
from rest_framework.test import APIClient

from issuance.models import Source
from tests.factories.courses import StaffUserFactory, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(org):
    """An owner of the organisation: sources are the owner's to set up (courses/access/roles.py)."""
    user = StaffUserFactory(username="integrations", is_superuser=False)
    member(user, org, "owner")
    client = APIClient()
    client.force_authenticate(user)
    return client


SETUP = {"organization": "harbour", "slug": "harbour-teachable", "dialect": "teachable", "secret": "hmac-secret-9",
         "settings": {"signature_header": "Teachable-Signature"}, "mappings": {"2001": "SAF-101"}}


def test_it_sets_up_a_source_idempotently_and_never_returns_its_secret(manager, org, course):
    first = manager.post("/api/v1/sources/", SETUP, format="json")
    again = manager.post("/api/v1/sources/", SETUP, format="json")
    assert (first.status_code, again.status_code) == (201, 200)
    body = again.json()
    assert body["intake_url"].endswith("/api/v1/sources/harbour-teachable/events")
    assert body["mappings"] == {"2001": "SAF-101"} and body["settings"] == {"signature_header": "Teachable-Signature"}
    assert body["has_secret"] is True and "hmac-secret-9" not in again.content.decode()
    assert [s["slug"] for s in manager.get("/api/v1/sources/").json()["results"]] == ["harbour-teachable"]
    assert Source.objects.count() == 1


def test_it_refuses_unknown_settings_listing_the_valid_ones(manager, org, course):
    response = manager.post("/api/v1/sources/", {**SETUP, "settings": {"header": "x"}}, format="json")
    assert response.status_code == 400
    assert response.json()["detail"] == "Unknown setting header for the teachable dialect; valid settings: signature_header."


def test_it_is_closed_to_staff_without_the_source_permissions(org):
    client = APIClient()
    client.force_authenticate(StaffUserFactory(username="someone", is_superuser=False))
    assert client.get("/api/v1/sources/").status_code == 403
    assert client.post("/api/v1/sources/", SETUP, format="json").status_code == 403
