"""seed_demo's webhook source and API token, so scripts can drive the demo."""

import pytest
from django.core.management import CommandError, call_command

from courses.access.user_tokens import user_token_find
from courses.models import UserToken
from issuance.models import Source
from tests.factories.issuance import DEMO_SECRET


def test_it_creates_the_demo_source_with_the_given_secret_and_token(db):
    call_command("seed_demo", admin_password="pw", webhook_secret=DEMO_SECRET, api_token="demo-token-123")
    source = Source.objects.get(slug="demo")
    assert source.signing_secret == DEMO_SECRET
    assert source.organization.slug == "demo-academy"
    assert source.dialect == "generic"
    assert user_token_find(secret="demo-token-123").user.username == "admin"


def test_it_changes_nothing_when_run_twice(db):
    call_command("seed_demo", admin_password="pw", webhook_secret=DEMO_SECRET, api_token="demo-token-123")
    call_command("seed_demo", admin_password="pw", webhook_secret=DEMO_SECRET, api_token="demo-token-123")
    assert Source.objects.count() == 9 and UserToken.objects.count() == 1  # demo + one per LMS dialect + two form tools
    call_command("seed_demo", admin_password="pw")  # without options: the secret is kept
    assert Source.objects.get(slug="demo").signing_secret == DEMO_SECRET


def test_it_refuses_a_secret_that_is_not_whsec(db):
    with pytest.raises(CommandError, match="whsec_"):
        call_command("seed_demo", admin_password="pw", webhook_secret="plain-secret")


def test_it_creates_one_source_per_lms_dialect_and_prints_each_intake_url_and_secret(db, capsys):
    call_command("seed_demo", admin_password="pw")
    first = capsys.readouterr().out
    assert set(Source.objects.values_list("dialect", flat=True)) == {"generic", "moodle", "canvas", "thinkific", "teachable", "xapi", "learndash",
                                                                            "mapped", "google_forms"}
    typeform = Source.objects.get(slug="demo-typeform")
    assert typeform.settings["mapping"]["auth"]["header"] == "Typeform-Signature" and len(typeform.signing_secret) >= 32
    assert Source.objects.get(slug="demo-google-forms").signing_secret.startswith("whsec_")
    thinkific = Source.objects.get(slug="demo-thinkific")
    assert f"/api/v1/sources/demo-thinkific/events  secret {thinkific.signing_secret}" in first
    assert "/api/v1/sources/demo-xapi/xapi/statements" in first
    call_command("seed_demo", admin_password="pw")
    assert Source.objects.get(slug="demo-thinkific").signing_secret == thinkific.signing_secret
    assert f"secret {thinkific.signing_secret}" in capsys.readouterr().out
