"""Signing in to the admin through the organisation's identity provider, in a real browser: Laurel's
sign-in page, the provider's page (a real OpenID Connect provider on 127.0.0.1), and back."""

import pytest

from courses.models import Membership, SignInRule
from tests.credentials_site.test_oidc_sign_in import ALICE, provider  # noqa: F401  (the provider fixture)
from tests.factories.courses import OrganizationFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def offline_page(page):
    """The provider's page links a stylesheet on a CDN: the tests talk to 127.0.0.1 only."""
    page.route("https://**/*", lambda route: route.abort())
    return page


def test_a_member_of_the_mapped_group_signs_in_through_the_provider_and_reaches_the_admin(offline_page, provider):  # noqa: F811
    page = offline_page
    organization = OrganizationFactory(slug="acme", name="Acme Training")
    SignInRule.objects.create(organization=organization, claim="groups", value="laurel-editors", role="editor")
    provider.user_set("alice-sub", ALICE)

    page.goto("/admin/login/?next=/admin/")
    assert page.locator("input[name=password]").count() == 1  # the local form stays, for break-glass
    page.click("text=Sign in with Example Staff Login")
    page.wait_for_url(f"{provider.issuer}/oauth2/authorize*")
    page.fill("input[name=sub]", "alice-sub")
    page.click("button:has-text('Authorize')")
    page.wait_for_url("**/admin/")

    assert "alice@example.org" in page.content()
    assert Membership.objects.get(user__email="alice@example.org", organization=organization).role == "editor"


def test_a_person_the_rules_do_not_name_sees_why_they_are_not_signed_in(offline_page, provider):  # noqa: F811
    page = offline_page
    OrganizationFactory(slug="acme", name="Acme Training")
    provider.user_set("mallory-sub", {"email": "mallory@example.org", "email_verified": True, "groups": ["sales"]})

    page.goto("/admin/login/")
    page.click("text=Sign in with Example Staff Login")
    page.fill("input[name=sub]", "mallory-sub")
    page.click("button:has-text('Authorize')")
    page.wait_for_url("**/sign-in/oidc/callback/*")

    assert page.locator("h1").inner_text() == "Not signed in"
    assert "nothing it says about you gives you a role" in page.content()
