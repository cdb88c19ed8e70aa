"""A mapping is validated in one place, and every problem is named by its key."""

import copy

import pytest

from issuance.sources.mapped.mapping import SCHEMES, MappingError, mapping_clean

EXAMPLE = {  # the example of issue 29's contract, verbatim
    "auth": {"scheme": "hmac", "header": "X-Sig", "algorithm": "sha256", "encoding": "hex", "prefix": "", "signed": "body"},
    "body": {"format": "json", "events_path": None, "json_field": None},
    "completion_when": {"path": "event", "values": ["course.completed"]},
    "fields": {"event_id": "id", "email": "data.user.email", "name": "data.user.name", "given_name": None, "family_name": None,
               "course": "data.course.id", "completed_at": {"path": "data.completed_at", "format": "iso8601"},
               "score": {"path": "data.score", "max_path": None}, "attendance": None, "language": None, "extra": {}},
    "confirmation": None}


def errors_of(mapping) -> list[str]:
    with pytest.raises(MappingError) as caught:
        mapping_clean(mapping)
    return caught.value.errors


def test_it_accepts_the_contract_example_and_fills_in_every_key():
    cleaned = mapping_clean(EXAMPLE)
    assert cleaned["auth"]["tolerance_seconds"] == 300 and cleaned["fields"]["completed_at"]["time_zone"] == "UTC"
    assert mapping_clean(cleaned) == cleaned  # what source_export writes, source_add reads back unchanged


def test_it_takes_a_missing_key_as_not_given():
    cleaned = mapping_clean({"auth": {"scheme": "secret_path"}, "fields": {"course": "course"}})
    assert cleaned["body"] == {"format": "json", "events_path": None, "json_field": None}
    assert cleaned["completion_when"] is None and cleaned["fields"]["email"] is None


def test_it_names_each_problem_by_its_key():
    bad = copy.deepcopy(EXAMPLE)
    bad["auth"].update(algorithm="md5", encoding="rot13", signed="timestamp.body")
    bad["body"].update(format="xml", json_field="raw")
    bad["completion_when"] = {"path": "event", "values": []}
    bad["fields"].update(course=None, email="data..email", completed_at={"path": "t", "format": "sometime", "time_zone": "Mars/Base"})
    bad["fields"]["nickname"] = "x"
    assert errors_of(bad) == [
        "auth.algorithm: must be one of sha256, sha1, sha512, not 'md5'.",
        "auth.encoding: must be one of hex, base64, not 'rot13'.",
        "auth.timestamp_header: is required when signed is timestamp.body.",
        "body.format: must be one of json, form, multipart, not 'xml'.",
        "completion_when.values: must be a non-empty list of the values that mean 'completed', not [].",
        "fields: unknown key 'nickname'; valid keys: event_id, email, name, given_name, family_name, course, learner_id, language, completed_at, score, attendance, extra.",
        "fields.email: 'data..email': '' is not a key, a position or a [key=value] filter.",
        "fields.course: is required: the path of the course id (mapped through the source's course table).",
        "fields.completed_at.time_zone: must be a time zone name such as Europe/Lisbon, not 'Mars/Base'.",
        "fields.completed_at.format: must be iso8601, unix, unix_ms or a strptime pattern such as %d/%m/%Y %H:%M, not 'sometime'.",
    ]


@pytest.mark.parametrize("scheme,missing", [("hmac", "header"), ("hash_body_secret", "header"), ("token_header", "header"),
                                            ("token_query", "parameter"), ("token_body", "path"), ("basic", "username")])
def test_it_asks_each_scheme_for_its_own_keys(scheme, missing):
    assert errors_of({"auth": {"scheme": scheme}, "fields": {"course": "c"}}) == [f"auth.{missing}: is required for the {scheme} scheme."]


def test_it_knows_exactly_the_schemes_of_the_contract():
    assert SCHEMES == ("standard_webhooks", "hmac", "hash_body_secret", "token_header", "token_query", "token_body", "basic", "secret_path")
    assert errors_of({"auth": {"scheme": "magic"}, "fields": {"course": "c"}})[0].startswith("auth.scheme: must be one of standard_webhooks")


def test_it_checks_a_confirmation_request():
    good = {"url": "https://api.example.org/submission/{submissionID}", "header": "APIKEY", "agree_path": "content.id", "agree_with": "submissionID"}
    assert mapping_clean({**EXAMPLE, "confirmation": good})["confirmation"] == good
    assert errors_of({**EXAMPLE, "confirmation": {"url": "ftp://x/{a..b}", "header": "API KEY", "agree_path": "content.id"}}) == [
        "confirmation.url: must be an http(s) address such as https://api.example.org/submission/{submissionID}, not 'ftp://x/{a..b}'.",
        "confirmation.header: must be the HTTP header that carries the API key, not 'API KEY'.",
        "confirmation.agree_with: agree_path and agree_with go together: the answer's path and the delivery's path that must match.",
    ]
