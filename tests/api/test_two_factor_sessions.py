"""With LAUREL_ADMIN_2FA=required, a session that has not passed two-factor reaches the API no more than the admin."""

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.credentials_site.admin.test_sign_in import PASSWORD, browser, current_code, sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def quick_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def superuser():
    user = User.objects.create_superuser("root", "root@example.org", PASSWORD)
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    return user


def test_it_refuses_an_api_request_on_a_session_that_has_not_passed_two_factor(superuser, settings):
    settings.LAUREL_ADMIN_2FA = "required"
    client = Client()
    client.force_login(superuser)  # a session made without a code (as one signed in before 2FA was required)

    admin = client.get("/admin/")
    api = client.get("/api/v1/issuances")

    assert admin.status_code == 302 and "/admin/login/" in admin["Location"]
    assert api.status_code == 403
    assert "has not passed two-factor" in api.json()["detail"]


def test_it_answers_an_api_request_on_a_session_that_passed_two_factor(superuser, settings):
    settings.LAUREL_ADMIN_2FA = "required"
    client = browser()
    sign_in(client, "root", PASSWORD, code=current_code(TOTPDevice.objects.get(user=superuser)))

    assert client.get("/admin/").status_code == 200
    assert client.get("/api/v1/issuances").status_code == 200


def test_it_answers_an_unverified_session_while_two_factor_is_optional(superuser, settings):
    settings.LAUREL_ADMIN_2FA = "optional"
    client = Client()
    client.force_login(superuser)

    assert client.get("/api/v1/issuances").status_code == 200
