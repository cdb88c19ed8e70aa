"""source_add --mapping FILE / --preset NAME --setting KEY=VALUE, and source_export writing the same shape without secrets."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from issuance.models import Source
from issuance.sources.mapped.presets import preset_mapping

from .test_mapping import EXAMPLE

pytestmark = pytest.mark.django_db


def add(org, *args):
    call_command("source_add", "--org", org.slug, "--dialect", "mapped", *args, stdout=io.StringIO())


def test_it_adds_a_source_from_a_mapping_file_and_exports_it_back_without_its_secret(org, course, tmp_path, capsys):
    (tmp_path / "mapping.json").write_text(json.dumps(EXAMPLE))
    add(org, "--slug", "custom-lms", "--mapping", str(tmp_path / "mapping.json"), "--secret", "custom-lms-hmac-secret-1")
    call_command("source_export", "--source", "custom-lms", "--output", str(tmp_path / "out.json"))
    exported = (tmp_path / "out.json").read_text()
    assert "custom-lms-hmac-secret-1" not in exported
    assert json.loads(exported)["auth"] == {**EXAMPLE["auth"], "timestamp_header": None, "tolerance_seconds": 300}
    add(org, "--slug", "copy-lms", "--mapping", str(tmp_path / "out.json"), "--secret", "another-hmac-secret-2")
    assert Source.objects.get(slug="copy-lms").settings == Source.objects.get(slug="custom-lms").settings


def test_it_adds_a_source_from_a_preset_with_its_settings(org, course, capsys):
    add(org, "--slug", "forms", "--preset", "typeform", "--setting", "email_ref=work_email", "--secret", "typeform-secret-0001")
    assert Source.objects.get(slug="forms").settings["mapping"] == preset_mapping("typeform", {"email_ref": "work_email"})
    add(org, "--slug", "jot", "--preset", "jotform", "--setting", "confirmation_api_key=jot-api-key-1", "--setting", "email_key=q9_mail",
        "--secret", "jotform-secret-address-1")
    jotform = Source.objects.get(slug="jot")
    assert jotform.secret_settings == {"confirmation_api_key": "jot-api-key-1"}
    assert jotform.settings["mapping"]["fields"]["email"] == "rawRequest.q9_mail"
    call_command("source_export", "--source", "jot")
    assert "jot-api-key-1" not in capsys.readouterr().out


@pytest.mark.parametrize("args,message", [
    (["--preset", "typeform", "--setting", "colour=blue"], "Unknown setting colour for the typeform preset; its settings: email_ref, name_ref, course_field, attendance_ref."),
    (["--preset", "learnworlds", "--setting", "signature=rsa"], "signature must be one of static, hmac, not 'rsa'."),
    (["--preset", "typeform", "--setting", "email_ref=a]b"], "email_ref must be a field's name or reference (no brackets), not 'a]b'."),
])
def test_it_refuses_a_bad_preset_setting_by_name(org, course, args, message):
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[").replace("]", r"\]")):
        add(org, "--slug", "bad", *args, "--secret", "typeform-secret-0001")


def test_it_names_what_is_wrong_in_a_mapping_file(org, course, tmp_path):
    (tmp_path / "bad.json").write_text(json.dumps({**EXAMPLE, "auth": {"scheme": "hmac"}}))
    with pytest.raises(CommandError, match="The mapping is not valid: auth.header: is required for the hmac scheme."):
        add(org, "--slug", "bad", "--mapping", str(tmp_path / "bad.json"), "--secret", "some-long-secret-123")
    (tmp_path / "broken.json").write_text("{")
    with pytest.raises(CommandError, match="The mapping file is not valid JSON"):
        add(org, "--slug", "bad", "--mapping", str(tmp_path / "broken.json"))


def test_it_exports_only_mapped_sources(make_source):
    make_source("teachable", secret="teachable-secret")
    with pytest.raises(CommandError, match="only mapped sources have a mapping"):
        call_command("source_export", "--source", "teachable-lms")
