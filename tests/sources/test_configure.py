"""manage.py source_add: scripted set-ups, idempotent on the slug, refusing what is not valid."""

import pytest
from django.core.management import CommandError, call_command

from issuance.models import Source

pytestmark = pytest.mark.django_db


def source_add(*args) -> str:
    from io import StringIO

    out = StringIO()
    call_command("source_add", *args, stdout=out)
    return out.getvalue()


def test_it_creates_a_moodle_source_with_its_settings_and_mapping_and_prints_the_intake_url(org, course, settings):
    settings.LAUREL_BASE_URL = "https://laurel.harbour.example"
    out = source_add("--org", "harbour", "--slug", "harbour-moodle", "--dialect", "moodle", "--secret", "plugin-token",
                     "--setting", "moodle_url=https://lms.harbour.example/", "--setting", "ws_token=tok-1", "--map", "12=SAF-101")
    assert out.splitlines()[-1] == "https://laurel.harbour.example/api/v1/sources/harbour-moodle/events"
    source = Source.objects.get(slug="harbour-moodle")
    assert source.settings == {"moodle_url": "https://lms.harbour.example"}
    assert source.secret_settings == {"ws_token": "tok-1"} and source.signing_secret == "plugin-token"
    assert source.course_mappings.get().course == course


def test_it_changes_nothing_when_run_again_and_keeps_secrets_left_out(org, course):
    args = ["--org", "harbour", "--slug", "lrs", "--dialect", "xapi", "--secret", "pw", "--setting", "key=k1"]
    assert "Created" in source_add(*args)
    assert "Updated" in source_add(*args)
    assert "/api/v1/sources/lrs/xapi/statements" in source_add("--org", "harbour", "--slug", "lrs", "--dialect", "xapi")
    source = Source.objects.get(slug="lrs")
    assert (Source.objects.count(), source.signing_secret, source.settings) == (1, "pw", {"key": "k1"})


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--dialect", "moodle", "--secret", "t", "--setting", "moodle_url=https://x.example", "--setting", "wstoken=1"],
         "Unknown setting wstoken for the moodle dialect; valid settings: moodle_url, ws_token, allowed_addresses, name_order, poll_minutes."),
        (["--dialect", "moodle", "--secret", "t", "--setting", "moodle_url=ftp://x", "--setting", "ws_token=1"], "moodle_url must be an http(s) URL"),
        (["--dialect", "canvas"], "Give jwks_url or jwks (Live Events), or canvas_url and api_token (polling)"),
        (["--dialect", "canvas", "--setting", "jwks={\"keys\": []}"], "jwks must be a JSON Web Key Set"),
        (["--dialect", "teachable", "--secret", "s", "--setting", "signature_header=X Bad"], "signature_header must be an HTTP header name"),
        (["--dialect", "generic", "--secret", "plain"], "starts with whsec_"),
        (["--dialect", "thinkific"], "needs a secret: the site's API key"),
        (["--dialect", "thinkific", "--secret", "k", "--map", "68=NOPE"], "No course of Harbour Academy has the code 'NOPE'"),
    ],
)
def test_it_refuses_bad_settings_saying_what_is_valid(org, course, args, message):
    with pytest.raises(CommandError) as refused:
        source_add("--org", "harbour", "--slug", "bad", *args)
    assert message in str(refused.value)
    assert not Source.objects.filter(slug="bad").exists()


def test_it_refuses_an_unknown_dialect_listing_the_valid_ones(org):
    with pytest.raises(CommandError, match="invalid choice: 'blackboard'.*moodle"):
        source_add("--org", "harbour", "--slug", "bb", "--dialect", "blackboard")


def test_the_system_check_names_a_source_whose_settings_no_longer_hold(org, course):
    from django.core.checks import run_checks

    source_add("--org", "harbour", "--slug", "lrs", "--dialect", "xapi", "--secret", "pw", "--setting", "key=k1")
    assert [e for e in run_checks(databases=["default"]) if e.id == "laurel.E020"] == []
    Source.objects.filter(slug="lrs").update(settings={})
    [error] = [e for e in run_checks(databases=["default"]) if e.id == "laurel.E020"]
    assert error.msg.startswith("Source 'lrs': Give key (activity providers post statements to Laurel) or lrs_url, lrs_key and lrs_secret")


def test_a_new_generic_source_without_a_secret_gets_one_generated_and_printed_once(org, course):
    out = source_add("--org", "harbour", "--slug", "gen", "--dialect", "generic")
    printed = out.splitlines()[-1]
    assert printed.startswith("Signing secret (shown once; paste it into the LMS): whsec_")
    secret = printed.rsplit(" ", 1)[-1]
    assert Source.objects.get(slug="gen").signing_secret == secret
    # Run again without --secret: the saved secret is kept and nothing is printed or made up.
    again = source_add("--org", "harbour", "--slug", "gen", "--dialect", "generic")
    assert "Signing secret" not in again
    assert Source.objects.get(slug="gen").signing_secret == secret


def test_a_dialect_whose_lms_issues_the_secret_still_asks_for_it(org, course):
    with pytest.raises(CommandError, match="needs a secret"):
        source_add("--org", "harbour", "--slug", "tk", "--dialect", "teachable")
    assert not Source.objects.filter(slug="tk").exists()
