"""The admin sign-in form: lockout after 10 consecutive failures per user and address (django-axes),
and two-factor codes (django-otp TOTP), optional for staff and required for superusers on request."""

import re

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-and-right-password"
LOGIN = "/admin/login/?next=/admin/"


@pytest.fixture(autouse=True)
def quick_password_hashing(settings):
    # Each test signs in a dozen times; the real hasher's cost is not what these tests are about.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def staff():
    return User.objects.create_user("alice", password=PASSWORD, is_staff=True)


def browser(address="203.0.113.7") -> Client:
    return Client(enforce_csrf_checks=True, REMOTE_ADDR=address)


def sign_in(client: Client, username: str, password: str, code: str = ""):
    page = client.get(LOGIN)
    assert page.status_code == 200
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    form = {"csrfmiddlewaretoken": token, "username": username, "password": password, "next": "/admin/"}
    if code:
        form["otp_token"] = code
    return client.post(LOGIN, form)


def signed_in(client: Client) -> bool:
    return client.get("/admin/").status_code == 200


def current_code(device: TOTPDevice) -> str:
    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token():06d}"


def test_it_locks_out_after_ten_wrong_passwords_even_when_the_right_one_follows(staff):
    client = browser()
    for _ in range(9):
        assert "Please enter the correct username and password" in sign_in(client, "alice", "guess").content.decode()
    locked = sign_in(client, "alice", "guess")  # the tenth
    assert locked.status_code == 429

    response = sign_in(client, "alice", PASSWORD)

    assert response.status_code == 429
    assert "Sign-in locked" in response.content.decode() and "10 in a row" in response.content.decode()
    assert not signed_in(client)


def test_it_counts_only_consecutive_failures(staff):
    client = browser()
    for _ in range(9):
        sign_in(client, "alice", "guess")
    assert sign_in(client, "alice", PASSWORD).status_code == 302
    client.post("/admin/logout/")  # enforce_csrf_checks: logout is a POST; a refused one still leaves us in
    client = browser()
    for _ in range(9):
        sign_in(client, "alice", "guess")

    sign_in(client, "alice", PASSWORD)

    assert signed_in(client)


def test_it_locks_out_one_user_at_one_address_only(staff):
    User.objects.create_user("bob", password=PASSWORD, is_staff=True)
    attacker = browser("198.51.100.9")
    for _ in range(10):
        sign_in(attacker, "alice", "guess")

    bob_same_address, alice_elsewhere = browser("198.51.100.9"), browser("203.0.113.50")
    sign_in(bob_same_address, "bob", PASSWORD)
    sign_in(alice_elsewhere, "alice", PASSWORD)

    assert signed_in(bob_same_address) and signed_in(alice_elsewhere)
    assert sign_in(browser("198.51.100.9"), "alice", PASSWORD).status_code == 429


def test_it_lets_the_user_in_again_once_the_lockout_has_expired(staff, settings):
    from axes.models import AccessAttempt

    client = browser()
    for _ in range(10):
        sign_in(client, "alice", "guess")
    AccessAttempt.objects.update(attempt_time=AccessAttempt.objects.get().attempt_time - settings.AXES_COOLOFF_TIME)

    sign_in(client, "alice", PASSWORD)

    assert signed_in(client)


def test_it_unlocks_a_user_with_axes_reset_username(staff):
    client = browser()
    for _ in range(10):
        sign_in(client, "alice", "guess")

    call_command("axes_reset_username", "alice")
    sign_in(client, "alice", PASSWORD)

    assert signed_in(client)


def test_it_asks_staff_with_an_authenticator_for_its_code(staff):
    device = TOTPDevice.objects.create(user=staff, name="phone", confirmed=True)
    client = browser()

    without = sign_in(client, "alice", PASSWORD)
    assert "Enter the current code from your authenticator app." in without.content.decode()
    assert not signed_in(client)

    sign_in(client, "alice", PASSWORD, code=current_code(device))

    assert signed_in(client)


def test_it_refuses_a_wrong_code(staff):
    device = TOTPDevice.objects.create(user=staff, name="phone", confirmed=True)
    client = browser()

    wrong = sign_in(client, "alice", PASSWORD, code="000000" if current_code(device) != "000000" else "111111")

    assert "That two-factor code is not right" in wrong.content.decode()
    assert not signed_in(client)


def test_it_counts_wrong_codes_towards_the_lockout(staff):
    TOTPDevice.objects.create(user=staff, name="phone", confirmed=True)
    client = browser()
    for _ in range(10):
        sign_in(client, "alice", PASSWORD, code="not-a-code")

    assert sign_in(client, "alice", PASSWORD).status_code == 429


def test_it_lets_staff_without_an_authenticator_sign_in_with_the_password(staff, settings):
    settings.LAUREL_ADMIN_2FA = "required"  # required for superusers only
    client = browser()

    sign_in(client, "alice", PASSWORD)

    assert signed_in(client)


def test_it_refuses_a_superuser_without_an_authenticator_when_two_factor_is_required(settings):
    settings.LAUREL_ADMIN_2FA = "required"
    User.objects.create_superuser("root", password=PASSWORD)
    client = browser()

    response = sign_in(client, "root", PASSWORD)

    assert "Superusers must sign in with a two-factor code" in response.content.decode()
    assert "manage.py totp_enrol root" in response.content.decode()
    assert not signed_in(client)


def test_it_lets_a_superuser_in_with_a_code_when_two_factor_is_required(settings):
    settings.LAUREL_ADMIN_2FA = "required"
    root = User.objects.create_superuser("root", password=PASSWORD)
    call_command("totp_enrol", "root", stdout=open("/dev/null", "w"))
    client = browser()

    sign_in(client, "root", PASSWORD, code=current_code(TOTPDevice.objects.get(user=root)))

    assert signed_in(client)


def test_it_shuts_a_superuser_session_without_a_code_out_of_the_admin_when_two_factor_is_required(client, settings):
    root = User.objects.create_superuser("root", password=PASSWORD)
    client.force_login(root)
    assert signed_in(client)

    settings.LAUREL_ADMIN_2FA = "required"

    assert client.get("/admin/").status_code == 302


def test_it_enrols_an_authenticator_and_prints_its_url(staff, capsys):
    call_command("totp_enrol", "alice")

    printed = capsys.readouterr().out
    device = TOTPDevice.objects.get(user=staff)
    assert device.confirmed and device.config_url in printed
    assert printed.startswith("Scan this")


def test_a_superuser_unlocks_a_user_by_deleting_the_access_attempt_in_the_admin(staff, admin_client):
    from axes.models import AccessAttempt

    client = browser()
    for _ in range(10):
        sign_in(client, "alice", "guess")
    attempt = AccessAttempt.objects.get(username="alice")

    admin_client.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"})
    sign_in(client, "alice", PASSWORD)

    assert signed_in(client)


def csrf_post(client: Client, path: str, form: dict):
    page = client.get(path)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    return client.post(path, {"csrfmiddlewaretoken": token, **form})


def test_staff_switch_two_factor_on_themselves_from_the_admin(staff):
    client = browser()
    sign_in(client, "alice", PASSWORD)
    home = client.get("/admin/").content.decode()
    assert re.search(r'<a href="/admin/two-factor/"[^>]*>\s*Two-factor sign-in\s*</a>', home)  # the user menu

    page = client.get("/admin/two-factor/").content.decode()
    device = TOTPDevice.objects.get(user=staff, confirmed=False)
    assert "<svg" in page and "Key: <code>" in page
    wrong = csrf_post(client, "/admin/two-factor/", {"otp_token": "000000" if current_code(device) != "000000" else "111111"})
    assert "That code is not right" in wrong.content.decode()
    device.refresh_from_db()
    assert not device.confirmed


def test_a_code_from_the_new_authenticator_switches_it_on_for_every_later_sign_in(staff):
    client = browser()
    sign_in(client, "alice", PASSWORD)
    client.get("/admin/two-factor/")
    device = TOTPDevice.objects.get(user=staff)

    response = csrf_post(client, "/admin/two-factor/", {"otp_token": current_code(device)})

    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert "Two-factor sign-in is on" in client.get("/admin/two-factor/").content.decode()
    later = browser()
    assert "Enter the current code" in sign_in(later, "alice", PASSWORD).content.decode()
    assert not signed_in(later)
