"""seed_demo's webhook source and API token, so scripts can drive the demo."""

import pytest
from django.core.management import CommandError, call_command
from rest_framework.authtoken.models import Token

from issuance.models import Source
from tests.factories import DEMO_SECRET


def test_it_creates_the_demo_source_with_the_given_secret_and_token(db):
    call_command("seed_demo", admin_password="pw", webhook_secret=DEMO_SECRET, api_token="demo-token-123")
    source = Source.objects.get(slug="demo")
    assert source.signing_secret == DEMO_SECRET
    assert source.organization.slug == "demo-academy"
    assert source.dialect == "generic"
    assert Token.objects.get(key="demo-token-123").user.username == "admin"


def test_it_changes_nothing_when_run_twice(db):
    call_command("seed_demo", admin_password="pw", webhook_secret=DEMO_SECRET, api_token="demo-token-123")
    call_command("seed_demo", admin_password="pw", webhook_secret=DEMO_SECRET, api_token="demo-token-123")
    assert Source.objects.count() == 1 and Token.objects.count() == 1
    call_command("seed_demo", admin_password="pw")  # without options: the secret is kept
    assert Source.objects.get(slug="demo").signing_secret == DEMO_SECRET


def test_it_refuses_a_secret_that_is_not_whsec(db):
    with pytest.raises(CommandError, match="whsec_"):
        call_command("seed_demo", admin_password="pw", webhook_secret="plain-secret")
