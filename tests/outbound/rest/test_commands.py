"""connection_add --kind rest --config FILE [--secret] and connection_export --connection ID: the connection file, round trip."""

import json

import pytest
from django.core.management import CommandError, call_command

from issuance.models import Connection
from issuance.outbound.connections import connection_secret
from issuance.outbound.rest.config import PRESETS

FILE = {
    "auth": {"type": "oauth2_client_credentials", "token_url": "https://auth.example.com/oauth/token", "client_id": "laurel",
             "scopes": ["credentials:write"]},
    "calls": {"credential.issued": {"method": "POST", "url": "https://api.example.com/api/credentials",
                                    "headers": {"Accept": "application/json"},
                                    "body": "{\"email\": \"{{ learner.email }}\", \"name\": \"{{ learner.name }}\", \"course\": \"{{ course.code }}\"}"},
              "credential.revoked": {"method": "DELETE", "url": "https://api.example.com/api/credentials/{{ external_id }}"}},
    "success": [200, 201, 202, 204],
    "external_id_path": "data.id",
    "rate_limit": {"requests": 2000, "per_seconds": 300},
    "mappings": {"FA-101": {"template": "abc"}},
}


def _add(tmp_path, document, *extra):
    path = tmp_path / "connection.json"
    path.write_text(json.dumps(document))
    call_command("connection_add", "--org", "academy", "--kind", "rest", "--name", "hr", "--config", str(path), *extra)


def test_it_reads_the_issue_file_and_exports_it_without_the_secret(organization, tmp_path, capsys):
    _add(tmp_path, FILE, "--secret", "client-secret-9")
    connection = Connection.objects.get(kind="rest", name="hr")
    assert connection_secret(connection) == "client-secret-9"
    capsys.readouterr()
    call_command("connection_export", "--connection", str(connection.pk))
    exported = capsys.readouterr().out
    assert "client-secret-9" not in exported
    assert json.loads(exported) == FILE  # the same document, key for key

    _add(tmp_path, json.loads(exported))  # imported again, the secret kept
    connection.refresh_from_db()
    assert connection_secret(connection) == "client-secret-9" and Connection.objects.count() == 1


def test_it_reads_a_preset_file_as_its_config(organization, tmp_path):
    path = PRESETS / "zapier.json"
    call_command("connection_add", "--org", "academy", "--kind", "rest", "--name", "zap", "--config", str(path))
    assert Connection.objects.get(name="zap").settings["calls"]["credential.issued"]["url"].startswith("https://hooks.zapier.com/")


def test_it_names_what_is_wrong_in_the_file(organization, tmp_path):
    with pytest.raises(CommandError, match="rest needs --secret"):
        _add(tmp_path, FILE)
    with pytest.raises(CommandError, match="body is not valid JSON"):
        _add(tmp_path, {**FILE, "calls": {"credential.issued": {**FILE["calls"]["credential.issued"], "body": "{\"a\": {{ learner.name }}}"}}},
             "--secret", "x")
    (tmp_path / "broken.json").write_text("{not json")
    with pytest.raises(CommandError, match="is not JSON"):
        call_command("connection_add", "--org", "academy", "--kind", "rest", "--config", str(tmp_path / "broken.json"))
    with pytest.raises(CommandError, match="configured by --config FILE"):
        call_command("connection_add", "--org", "academy", "--kind", "rest", "--setting", "url=https://x.example.com")
    with pytest.raises(CommandError, match="No connection 999"):
        call_command("connection_export", "--connection", "999")
    assert not Connection.objects.exists()
