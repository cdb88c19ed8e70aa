"""Staff sign-in through the organisation's OpenID Connect provider, end to end against a real provider on
127.0.0.1 (stand_ins/oidc_provider.py): Laurel's login page, the provider's page, the callback, and the
memberships the organisation's sign-in rules give."""

import re
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ImproperlyConfigured
from django.test import Client

from audit.models import AuditRecord
from courses.models import Membership, SignInRule
from credentials_site import oidc
from credentials_site.oidc_settings import oidc_settings
from credentials_site.two_factor import totp_device_create
from stand_ins.oidc_provider import oidc_provider
from tests.credentials_site.admin.test_sign_in import current_code
from tests.factories.courses import OrganizationFactory, member

pytestmark = pytest.mark.django_db
ALICE = {"email": "alice@example.org", "email_verified": True, "groups": ["laurel-editors", "staff"]}


@pytest.fixture
def provider(settings):
    with oidc_provider() as running:
        settings.LAUREL_OIDC_ENABLED = True
        settings.LAUREL_OIDC_ISSUER = running.issuer
        settings.LAUREL_OIDC_PROVIDER_NAME = "Example Staff Login"
        settings.OIDC_RP_CLIENT_ID = "laurel"
        settings.OIDC_RP_CLIENT_SECRET = "laurel-client-secret"
        oidc._discovered.clear()
        yield running
        oidc._discovered.clear()


@pytest.fixture
def acme():
    organization = OrganizationFactory(slug="acme", name="Acme Training")
    SignInRule.objects.create(organization=organization, claim="groups", value="laurel-editors", role="editor")
    return organization


def sign_in(client: Client, provider, sub: str, claims: dict | None = None, *, tamper=None):
    """The whole round: Laurel's sign-in link, the provider's page, back to Laurel's callback."""
    if claims is not None:
        provider.user_set(sub, claims)
    start = client.get("/sign-in/oidc/?next=/admin/issuance/")
    assert start.status_code == 302, start.content
    assert start["Location"].startswith(f"{provider.issuer}/oauth2/authorize?")
    back = urlsplit(provider.sign_in(start["Location"], sub))
    assert (back.scheme, back.netloc, back.path) == ("http", "testserver", "/sign-in/oidc/callback/")
    query = dict(parse_qsl(back.query))
    if tamper:
        query = tamper(query)
    return client.get(back.path, query)


def test_it_offers_the_provider_beside_the_local_form_and_keeps_local_accounts_working(provider, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    User.objects.create_user("breakglass", password="a-long-and-right-password", is_staff=True, is_superuser=True)
    client = Client()

    page = client.get("/admin/login/?next=/admin/")

    html = page.content.decode()
    assert "Sign in with Example Staff Login" in html
    assert 'href="/sign-in/oidc/?next=%2Fadmin%2F"' in html
    assert 'name="password"' in html
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    client.post("/admin/login/?next=/admin/", {"csrfmiddlewaretoken": token, "username": "breakglass",
                                               "password": "a-long-and-right-password", "next": "/admin/"})
    assert client.get("/admin/").status_code == 200


def test_it_offers_no_provider_and_answers_404_when_none_is_set_up(settings):
    settings.LAUREL_OIDC_ENABLED = False

    assert "Sign in with" not in Client().get("/admin/login/").content.decode()
    assert Client().get("/sign-in/oidc/").status_code == 404
    assert Client().get("/sign-in/oidc/callback/?code=x&state=y").status_code == 404


def test_it_creates_the_user_with_the_role_the_groups_claim_maps_to(provider, acme):
    other = OrganizationFactory(slug="other")
    SignInRule.objects.create(organization=other, claim="groups", value="other-staff", role="owner")
    client = Client()

    response = sign_in(client, provider, "alice-sub", ALICE)

    assert response.status_code == 302
    assert response["Location"] == "/admin/issuance/"
    user = User.objects.get(email="alice@example.org")
    assert (user.username, user.is_staff, user.is_superuser, user.has_usable_password()) == \
        ("alice@example.org", True, False, False)
    assert [(m.organization.slug, m.role, m.from_sign_in) for m in Membership.objects.filter(user=user)] == \
        [("acme", "editor", True)]
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/courses/course/").status_code == 200  # an editor's page
    assert AuditRecord.objects.filter(organization=acme, to_state="member_added",
                                      detail__contains="sign-in rule groups = laurel-editors").exists()


def test_it_follows_the_claims_at_each_sign_in_and_removes_what_they_no_longer_give(provider, acme):
    SignInRule.objects.create(organization=acme, claim="groups", value="laurel-owners", role="owner")
    sign_in(Client(), provider, "alice-sub", ALICE)

    sign_in(Client(), provider, "alice-sub", {**ALICE, "groups": ["laurel-editors", "laurel-owners"]})
    assert Membership.objects.get(user__email="alice@example.org").role == "owner"  # the higher role wins

    refused = sign_in(Client(), provider, "alice-sub", {**ALICE, "groups": ["staff"]})
    assert refused.status_code == 403
    assert not Membership.objects.filter(user__email="alice@example.org").exists()


def test_it_leaves_a_membership_made_by_hand_alone(provider, acme):
    alice = User.objects.create_user("alice@example.org", email="alice@example.org", is_staff=True)
    member(alice, acme, "operator")

    response = sign_in(Client(), provider, "alice-sub", ALICE)

    assert response.status_code == 302
    assert [(m.role, m.from_sign_in) for m in Membership.objects.filter(user=alice)] == [("operator", False)]


def test_it_refuses_a_person_whose_claims_map_to_no_membership_with_a_plain_message(provider, acme):
    client = Client()

    response = sign_in(client, provider, "mallory-sub", {"email": "mallory@example.org", "email_verified": True,
                                                         "groups": ["marketing"], "department": "sales"})

    assert response.status_code == 403
    assert "nothing it says about you gives you a role in any organisation" in response.content.decode()
    assert not User.objects.filter(email="mallory@example.org").exists()
    assert client.get("/admin/").status_code == 302  # to the login page: not signed in


def test_it_refuses_an_email_the_provider_does_not_vouch_for(provider, acme):
    response = sign_in(Client(), provider, "alice-sub", {**ALICE, "email_verified": False})

    assert response.status_code == 403
    assert "does not vouch for your email address alice@example.org" in response.content.decode()
    assert not User.objects.filter(email="alice@example.org").exists()


def test_it_refuses_an_email_claim_that_is_not_an_address_with_a_4xx(provider, acme):
    response = sign_in(Client(), provider, "alice-sub", {**ALICE, "email": "alice\u0000@example.org<b>"})

    assert response.status_code == 403
    assert "which is not one Laurel can use" in response.content.decode()
    assert "<b>" not in response.content.decode()
    assert not User.objects.filter(username__startswith="alice").exists()


def test_it_refuses_a_superuser_through_the_provider(provider, acme):
    User.objects.create_user("root", email="alice@example.org", is_staff=True, is_superuser=True)

    response = sign_in(Client(), provider, "alice-sub", ALICE)

    assert response.status_code == 403
    assert "Operators (superusers) sign in with their Laurel password" in response.content.decode()


def test_it_refuses_a_forged_state(provider, acme):
    client = Client()

    response = sign_in(client, provider, "alice-sub", ALICE, tamper=lambda query: {**query, "state": "forged"})

    assert response.status_code == 400
    assert "not one Laurel asked for" in response.content.decode()
    assert not User.objects.filter(email="alice@example.org").exists()


def test_it_refuses_a_callback_in_a_browser_that_never_started_a_sign_in(provider, acme):
    started = Client()
    start = started.get("/sign-in/oidc/")
    back = urlsplit(provider.sign_in(start["Location"], "alice-sub"))

    response = Client().get(back.path, dict(parse_qsl(back.query)))

    assert response.status_code == 403
    assert not User.objects.filter(email="alice@example.org").exists()


def refusal_logged(caplog) -> str:
    return " ".join(r.getMessage() for r in caplog.records if r.name == "credentials_site.oidc")


def test_it_refuses_an_id_token_issued_for_another_client(provider, acme, caplog):
    provider.faults.issue_for_client = "someone-else"

    response = sign_in(Client(), provider, "alice-sub", ALICE)

    assert response.status_code == 403
    assert "could not be verified" in response.content.decode()
    assert "Audience doesn't match" in refusal_logged(caplog)
    assert not User.objects.filter(email="alice@example.org").exists()


def test_it_refuses_an_id_token_whose_signature_does_not_verify(provider, acme, caplog):
    provider.user_set("alice-sub", ALICE)
    provider.swap_signing_key()

    response = sign_in(Client(), provider, "alice-sub")

    assert response.status_code == 403
    assert "could not be verified" in response.content.decode()
    assert "Signature verification failed" in refusal_logged(caplog)
    assert not User.objects.filter(email="alice@example.org").exists()


def test_it_refuses_an_id_token_from_another_issuer(provider, acme, caplog):
    provider.faults.other_host_on = {"/oauth2/token"}

    response = sign_in(Client(), provider, "alice-sub", ALICE)

    assert response.status_code == 403
    assert "could not be verified" in response.content.decode()
    assert "Invalid issuer" in refusal_logged(caplog)
    assert not User.objects.filter(email="alice@example.org").exists()


def test_it_refuses_a_discovery_document_that_names_another_issuer(provider, acme):
    provider.faults.other_host_on = {"/.well-known/openid-configuration"}

    response = Client().get("/sign-in/oidc/")

    assert response.status_code == 503
    assert "could not reach the identity provider" in response.content.decode()


def test_it_shows_the_provider_s_own_refusal(provider, acme):
    client = Client()
    start = client.get("/sign-in/oidc/")
    state = dict(parse_qsl(urlsplit(start["Location"]).query))["state"]

    response = client.get("/sign-in/oidc/callback/?" + urlencode(
        {"error": "access_denied", "error_description": "<b>Not today</b>", "state": state}))

    assert response.status_code == 403
    assert "The identity provider did not sign you in: &lt;b&gt;Not today&lt;/b&gt;" in response.content.decode()


def test_it_asks_the_provider_for_a_second_factor_when_two_factor_is_required(provider, acme, settings):
    settings.LAUREL_ADMIN_2FA = "required"
    settings.LAUREL_OIDC_2FA = "provider"

    password_only = sign_in(Client(), provider, "alice-sub", {**ALICE, "amr": ["pwd"]})
    assert password_only.status_code == 403
    assert "did not report a second factor" in password_only.content.decode()
    assert not User.objects.filter(email="alice@example.org").exists()

    client = Client()
    with_code = sign_in(client, provider, "alice-sub", {**ALICE, "amr": ["pwd", "otp"]})
    assert with_code.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_it_asks_for_the_laurel_code_after_the_provider_when_set_to_local(provider, acme, settings):
    settings.LAUREL_ADMIN_2FA = "required"
    settings.LAUREL_OIDC_2FA = "local"
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # the wrong code below would otherwise hold the right one back a second
    alice = User.objects.create_user("alice@example.org", email="alice@example.org", is_staff=True)
    device, _ = totp_device_create(user=alice)
    client = Client()

    response = sign_in(client, provider, "alice-sub", {**ALICE, "amr": ["pwd", "otp"]})

    assert response["Location"] == "/admin/two-factor/code/"
    assert client.get("/admin/").status_code == 302  # not in the admin without the code
    assert client.post("/admin/two-factor/code/", {"otp_token": "000000" if current_code(device) != "000000"
                                                   else "111111"}).status_code == 400
    answer = client.post("/admin/two-factor/code/", {"otp_token": current_code(device)})
    assert answer.status_code == 302 and answer["Location"] == "/admin/issuance/"
    assert client.get("/admin/").status_code == 200


def test_it_turns_away_a_provider_sign_in_without_a_laurel_authenticator_when_set_to_local(provider, acme, settings):
    settings.LAUREL_ADMIN_2FA = "required"
    settings.LAUREL_OIDC_2FA = "local"
    client = Client()

    sign_in(client, provider, "alice-sub", ALICE)
    page = client.get("/admin/two-factor/code/")

    assert page.status_code == 403
    assert "manage.py totp_enrol alice@example.org" in page.content.decode()
    assert client.get("/admin/").status_code == 302


def test_it_stays_off_without_settings_and_refuses_half_of_them(monkeypatch):
    for name in ("LAUREL_OIDC_ISSUER", "LAUREL_OIDC_CLIENT_ID", "LAUREL_OIDC_CLIENT_SECRET"):
        monkeypatch.delenv(name, raising=False)
    assert oidc_settings()["LAUREL_OIDC_ENABLED"] is False

    monkeypatch.setenv("LAUREL_OIDC_ISSUER", "https://login.example.org/realms/staff")
    with pytest.raises(ImproperlyConfigured, match="LAUREL_OIDC_CLIENT_ID, LAUREL_OIDC_CLIENT_SECRET"):
        oidc_settings()

    monkeypatch.setenv("LAUREL_OIDC_CLIENT_ID", "laurel")
    monkeypatch.setenv("LAUREL_OIDC_CLIENT_SECRET", "secret")
    assert oidc_settings()["LAUREL_OIDC_ENABLED"] is True


@pytest.mark.parametrize("name, value, message", [
    ("LAUREL_OIDC_ISSUER", "http://login.example.org", "must be an https:// address"),
    ("LAUREL_OIDC_2FA", "sometimes", "LAUREL_OIDC_2FA must be provider or local"),
    ("LAUREL_OIDC_SIGN_ALGO", "HS256", "asymmetric"),
    ("LAUREL_OIDC_REQUIRE_VERIFIED_EMAIL", "maybe", "LAUREL_OIDC_REQUIRE_VERIFIED_EMAIL must be 1 or 0"),
])
def test_it_refuses_an_unsafe_or_unknown_setting_by_name(monkeypatch, name, value, message):
    monkeypatch.setenv("LAUREL_OIDC_ISSUER", "https://login.example.org")
    monkeypatch.setenv("LAUREL_OIDC_CLIENT_ID", "laurel")
    monkeypatch.setenv("LAUREL_OIDC_CLIENT_SECRET", "secret")
    monkeypatch.setenv(name, value)

    with pytest.raises(ImproperlyConfigured, match=message):
        oidc_settings()
