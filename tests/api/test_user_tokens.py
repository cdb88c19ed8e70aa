"""Staff users' API tokens are kept as their SHA-256 only: shown once when made, never by the admin again,
and tokens made before they were hashed keep working once the migration has converted them."""

import importlib
import re

import pytest
from django.apps import apps
from django.db import connection
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from courses.access.user_tokens import user_token_create
from courses.models import UserToken
from tests.factories.courses import StaffUserFactory

pytestmark = pytest.mark.django_db


def api(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def stored_anywhere(secret: str) -> bool:
    """Whether any column of the token tables holds the secret (or its leading 16 characters)."""
    with connection.cursor() as cursor:
        for table in (UserToken._meta.db_table, Token._meta.db_table):
            cursor.execute(f"SELECT * FROM {table}")
            if any(secret[:16] in str(value) for row in cursor.fetchall() for value in row):
                return True
    return False


def test_it_keeps_only_a_digest_of_a_new_token_and_accepts_it(admin_user):
    token, secret = user_token_create(user=admin_user)

    assert not stored_anywhere(secret)
    assert token.prefix == secret[:11] and secret.startswith("lu_")
    assert api(secret).get("/api/v1/issuances").status_code == 200
    assert UserToken.objects.get(pk=token.pk).last_used_at is not None


def test_it_refuses_an_unknown_or_replaced_token_with_a_401(admin_user):
    _, first = user_token_create(user=admin_user)
    _, second = user_token_create(user=admin_user)

    refused = api(first).get("/api/v1/issuances")

    assert refused.status_code == 401 and "unknown or has been replaced" in refused.json()["detail"]
    assert api("0" * 40).get("/api/v1/issuances").status_code == 401
    assert api(second).get("/api/v1/issuances").status_code == 200


def test_it_converts_tokens_made_before_they_were_hashed_and_they_keep_working():
    user = StaffUserFactory()
    old = Token.objects.create(user=user)  # as REST framework made them: 40 hex characters, kept in clear
    migration = importlib.import_module("courses.migrations.0013_user_tokens")

    migration.tokens_hash(apps, None)

    assert not Token.objects.exists() and not stored_anywhere(old.key)
    assert UserToken.objects.get(user=user).prefix == old.key[:8]
    assert api(old.key).get("/api/v1/issuances").status_code == 200


def test_it_shows_a_token_once_in_the_admin_and_never_again(admin_client, admin_user):
    staff = StaffUserFactory()

    made = admin_client.post("/admin/courses/usertoken/add/", {"user": staff.pk})

    assert made.status_code == 200 and "no-store" in made["Cache-Control"]
    secret = re.search(r'id="new-secret"[^>]*value="([^"]+)"', made.content.decode()).group(1)
    assert api(secret).get("/api/v1/issuances").status_code in (200, 403)  # the token is the staff member's
    token = UserToken.objects.get(user=staff)
    for page in (admin_client.get("/admin/courses/usertoken/"), admin_client.get(f"/admin/courses/usertoken/{token.pk}/change/")):
        assert page.status_code == 200
        assert secret not in page.content.decode() and f"{token.prefix}…" in page.content.decode()
    assert admin_client.get("/admin/authtoken/tokenproxy/").status_code == 404  # REST framework's page showed keys in clear


def test_it_lets_no_organisation_owner_make_a_token_for_anyone():
    """A token acts as its user in every organisation they belong to: an owner who could make one for a
    superuser would become one. Only superusers manage tokens."""
    from django.test import Client

    from courses.models import Membership
    from tests.factories.courses import OrganizationFactory

    owner = StaffUserFactory(is_superuser=False)
    Membership.objects.create(user=owner, organization=OrganizationFactory(), role=Membership.Role.OWNER)
    client = Client()
    client.force_login(owner)

    assert client.get("/admin/courses/usertoken/add/").status_code == 403
    assert client.post("/admin/courses/usertoken/add/", {"user": owner.pk}).status_code == 403
    assert not UserToken.objects.exists()
