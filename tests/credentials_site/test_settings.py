"""Production refuses unsafe settings with one line naming the variable; the documented production
environment passes `check --deploy`."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STRONG_KEY = "x" * 20 + "-production-secret-for-tests-0123456789"

PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": STRONG_KEY,
    "ALLOWED_HOSTS": "credentials.example.org",
    "LAUREL_BASE_URL": "https://credentials.example.org",
    "DATABASE_URL": "postgres://laurel@db.invalid:5432/laurel",
    "REDIS_URL": "redis://cache.invalid:6379/0",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "1",
    "SECURE_HSTS_PRELOAD": "1",
    "LAUREL_KEY_ENCRYPTION_KEY": "mV7PFGsNo2W0e4bbvDk1v9mRKqfDY-tFGv0K4hr4Q8E=",
}


def manage(*args, **env):
    base = {k: v for k, v in os.environ.items() if k not in PRODUCTION and k != "LAUREL_EMAIL_ESP"}
    base.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=base, capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize(
    "override, variable",
    [
        ({"SECRET_KEY": ""}, "SECRET_KEY"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY"),
        ({"ALLOWED_HOSTS": ""}, "ALLOWED_HOSTS"),
        ({"LAUREL_BASE_URL": "http://credentials.example.org"}, "LAUREL_BASE_URL"),
        ({"DEBUG": "perhaps"}, "DEBUG"),
        ({"LAUREL_KEY_ENCRYPTION_KEY": ""}, "LAUREL_KEY_ENCRYPTION_KEY"),
        ({"LAUREL_KEY_ENCRYPTION_KEY": "not-a-fernet-key"}, "LAUREL_KEY_ENCRYPTION_KEY"),
        ({"LAUREL_OUTBOX_RETRY_SECONDS": "60,soon"}, "LAUREL_OUTBOX_RETRY_SECONDS"),
    ],
)
def test_it_refuses_to_start_in_production_with_an_unsafe_value(override, variable):
    env = {**PRODUCTION, **override}
    if env["SECRET_KEY"] == "":
        del env["SECRET_KEY"]
    result = manage("check", **env)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("laurel: refusing to start:")
    assert variable in lines[0]


def test_it_passes_check_deploy_under_the_documented_production_environment():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_it_warns_when_production_runs_on_the_embedded_database():
    env = {**PRODUCTION}
    del env["DATABASE_URL"]
    result = manage("check", "--deploy", **env)
    assert "laurel.W001" in result.stdout + result.stderr


def test_it_reports_a_bad_base_url_with_a_stable_check_id():
    result = manage("check", LAUREL_BASE_URL="credentials.example.org")
    assert result.returncode != 0
    assert "laurel.E001" in result.stderr


def test_it_reports_an_unknown_email_service_with_a_stable_check_id():
    result = manage("check", LAUREL_EMAIL_ESP="carrier_pigeon")
    assert result.returncode != 0
    assert "laurel.E004" in result.stderr
    assert "carrier_pigeon" in result.stderr


def test_it_reports_a_redis_url_that_is_not_redis():
    result = manage("check", REDIS_URL="http://127.0.0.1:6379")
    assert result.returncode != 0
    assert "laurel.E003" in result.stderr


def test_it_reports_a_malformed_key_encryption_key_with_a_stable_check_id():
    result = manage("check", LAUREL_KEY_ENCRYPTION_KEY="too-short")
    assert result.returncode != 0
    assert "laurel.E005" in result.stderr
    assert "LAUREL_KEY_ENCRYPTION_KEY" in result.stderr


def test_it_refuses_production_with_an_email_service_whose_tracking_webhook_has_no_credentials():
    result = manage("check", **PRODUCTION, LAUREL_EMAIL_ESP="postmark", ANYMAIL_POSTMARK_SERVER_TOKEN="token")
    assert result.returncode != 0
    assert "laurel.E010" in result.stderr
    assert "ANYMAIL_WEBHOOK_SECRET" in result.stderr


def test_it_accepts_production_with_the_tracking_webhook_secret_set():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION, LAUREL_EMAIL_ESP="postmark",
                    ANYMAIL_POSTMARK_SERVER_TOKEN="token", ANYMAIL_WEBHOOK_SECRET="laurel:" + "r" * 40)
    assert result.returncode == 0, result.stdout + result.stderr


def test_it_asks_mailgun_for_its_signing_key_in_production():
    result = manage("check", **PRODUCTION, LAUREL_EMAIL_ESP="mailgun", ANYMAIL_WEBHOOK_SECRET="laurel:" + "r" * 40)
    assert result.returncode != 0
    assert "laurel.E010" in result.stderr and "ANYMAIL_MAILGUN_WEBHOOK_SIGNING_KEY" in result.stderr


def test_it_only_warns_about_missing_tracking_credentials_in_development():
    result = manage("check", LAUREL_EMAIL_ESP="postmark")
    assert result.returncode == 0, result.stderr
    assert "laurel.W010" in result.stderr
