"""An organisation's owner makes an API key for an integration in the admin, copies it once, and revokes it."""

import requests
from django.contrib.auth.models import User

from courses.models import ApiKey, Membership
from tests.browser.conftest import STAFF_PASSWORD, sign_in
from tests.factories.courses import OrganizationFactory


def test_an_owner_makes_a_key_sees_it_once_and_revokes_it_from_its_page(page, live_server, shots, db):
    organization = OrganizationFactory(name="Harbour Academy", slug="harbour")
    owner = User.objects.create_user("owner@harbour.example", "owner@harbour.example", STAFF_PASSWORD, is_staff=True)
    Membership.objects.create(user=owner, organization=organization, role=Membership.Role.OWNER)
    sign_in(page, "owner@harbour.example")

    page.goto("/admin/courses/apikey/add/")
    page.fill("input[name=name]", "Moodle sync")
    page.select_option("select[name=role]", "operator")
    page.click("button[name=_save], input[name=_save]")
    page.wait_for_load_state()

    key = page.input_value("#new-secret")
    assert key.startswith("lk_") and "Copy this key now" in page.content()
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    page.screenshot(path=str(shots / "api-key-created.png"), full_page=True)
    api_key = ApiKey.objects.get(name="Moodle sync")
    assert (api_key.organization, api_key.role, api_key.created_by) == (organization, "operator", owner)
    assert key not in str(ApiKey.objects.values().get())  # only its hash is kept
    issuances = f"{live_server.url}/api/v1/issuances"
    assert requests.get(issuances, headers={"Authorization": f"Bearer {key}"}, timeout=10).status_code == 200

    page.click("text=Back to Moodle sync")
    page.wait_for_load_state()
    assert "never" not in page.locator("fieldset").first.inner_text()  # the request above shows as its last use
    page.click("button[data-object-action=revoke_selected]")
    page.wait_for_load_state()
    assert "will stop working from the next request" in page.content()
    page.click("input[type=submit][value='Yes, revoke'], button:has-text('Yes, revoke')")
    page.wait_for_load_state()

    assert page.url.endswith(f"/admin/courses/apikey/{api_key.pk}/change/")  # back on the key's page
    assert "Revoked 1 API key" in page.locator(".messagelist").inner_text()
    assert page.locator("button[data-object-action=revoke_selected]").count() == 0
    refused = requests.get(issuances, headers={"Authorization": f"Bearer {key}"}, timeout=10)
    assert refused.status_code == 401 and "revoked" in refused.json()["detail"]
