"""A rest connection's document is checked whole at save: every template rendered for a sample credential."""

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as examples
from hypothesis import strategies as st

from issuance.models import Connection
from issuance.outbound.connections import ConnectionSettingsError, connection_add
from issuance.outbound.rest.config import RestConfigError, rest_config_clean


def _add(organization, **config):
    config.setdefault("auth", {"type": "none"})
    return connection_add(organization=organization, kind="rest", settings=config)


def _call(body, url="https://api.example.com/credentials"):
    return {"credential.issued": {"method": "POST", "url": url, "body": body}}


@pytest.mark.parametrize("body, why", [
    ('{"name": {{ learner.name }}}', "not valid JSON"),  # a text value outside quotes
    ('{"name": "{{ learner.name }}"', "not valid JSON"),  # a brace left open
    ('{"badge": "{{ openbadge_json }}"}', "not valid JSON"),  # JSON put inside a string
])
def test_it_refuses_a_body_that_renders_invalid_json(organization, body, why):
    with pytest.raises(ConnectionSettingsError, match=why):
        _add(organization, calls=_call(body))
    assert not Connection.objects.exists()


def test_it_refuses_what_the_certificate_sandbox_refuses(organization):
    with pytest.raises(ConnectionSettingsError, match=r"\{% include %\} is not allowed"):
        _add(organization, calls=_call('{"a": "{% include "x.html" %}"}'))
    with pytest.raises(ConnectionSettingsError, match=r"learner.password \}\} is not a merge field"):
        _add(organization, calls=_call('{"a": "{{ learner.password }}"}'))
    with pytest.raises(ConnectionSettingsError, match=r"mapping.template \}\} is not a merge field"):
        _add(organization, calls=_call('{"a": "{{ mapping.template }}"}'))  # no mappings give a template


def test_it_holds_the_certificate_templates_budget(organization):
    loops = ('{"a": "{% for a in learner.name %}{% for b in learner.name %}{% for c in learner.name %}.'
             '{% endfor %}{% endfor %}{% endfor %}"}')
    with pytest.raises(ConnectionSettingsError, match="the loops ran more than 10,000 times"):
        _add(organization, calls=_call(loops))
    joins = '{"a": "{{ learner.name|join:learner.name|join:learner.name|join:learner.name|join:learner.name }}"}'
    with pytest.raises(ConnectionSettingsError, match="the output may not pass 2,000,000"):
        _add(organization, calls=_call(joins))


def test_it_names_the_keys_it_knows(organization):
    with pytest.raises(ConnectionSettingsError, match="no key 'retries'; its keys are: auth, calls"):
        _add(organization, calls=_call('{}'), retries=3)
    with pytest.raises(ConnectionSettingsError, match="auth.type must be one of none, bearer, basic, header, query, oauth2_client_credentials"):
        _add(organization, auth={"type": "digest"}, calls=_call('{}'))
    with pytest.raises(ConnectionSettingsError, match="never in the file: give it with --secret"):
        _add(organization, auth={"type": "bearer", "token": "abc"}, calls=_call('{}'))
    with pytest.raises(ConnectionSettingsError, match="calls has no event 'credential.created'"):
        _add(organization, calls={"credential.created": _call("{}")["credential.issued"]})
    with pytest.raises(ConnectionSettingsError, match="cannot be both success and permanent"):
        _add(organization, calls=_call('{}'), success=[200, 409], permanent=[409])


def test_it_refuses_an_address_the_guard_refuses(organization, settings):
    settings.LAUREL_ALLOW_PRIVATE_TARGETS = False
    with pytest.raises(ConnectionSettingsError, match="only https:// URLs"):
        _add(organization, calls=_call('{}', url="http://api.example.com/x"))


def test_it_needs_a_secret_unless_the_auth_type_is_none(organization):
    with pytest.raises(ConnectionSettingsError, match="rest needs --secret"):
        _add(organization, auth={"type": "header", "name": "X-API-Key"}, calls=_call("{}"))
    connection, _ = _add(organization, calls=_call('{"a": "{{ learner.name|upper }}"}'))
    assert connection.settings["success"] == [200, 201, 202, 204] and not connection.secret_encrypted


def test_it_stores_the_document_with_its_defaults_and_the_rate_limit(organization):
    connection, _ = _add(organization, calls=_call('{"a": "{{ mapping.template }}"}'), external_id_path="data.id",
                         rate_limit={"requests": 2000, "per_seconds": 300}, mappings={"SAFE-101": {"template": "abc"}})
    connection.refresh_from_db()
    assert connection.settings["rate_limit"] == {"requests": 2000, "per_seconds": 300}
    assert connection.settings["calls"]["credential.issued"]["method"] == "POST"
    assert connection.settings["mappings"] == {"SAFE-101": {"template": "abc"}}


json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=30),
                           lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=10), children, max_size=3),
                           max_leaves=8)
templates = st.sampled_from(["{{ learner.name }}", "{% for x in learner.name %}", "{% now %}", "{{ x|join:'", "{% firstof %}",
                             '{"a": "{{ learner.email|truncatechars:"q" }}"}', "{% if %}", "{{ }}", "{% for a in b %}{% endfor %}"])


@examples(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(auth=json_values, calls=st.dictionaries(st.sampled_from(["credential.issued", "credential.revoked", "x"]),
                                              st.fixed_dictionaries({"url": templates | json_values, "body": templates | json_values}) | json_values,
                                              max_size=2),
       other=st.dictionaries(st.sampled_from(["success", "permanent", "external_id_path", "rate_limit", "mappings"]), json_values))
def test_it_refuses_any_document_with_a_reason_never_a_crash(auth, calls, other):
    try:
        rest_config_clean({"auth": auth, "calls": calls, **other})
    except RestConfigError as exc:
        assert str(exc)


@pytest.mark.parametrize("url", [[None], {"a": 1}, 7])
def test_a_call_url_that_is_not_text_is_refused_by_name(url):
    # Found by the fuzzer above: a url given as a list crashed on .strip() (a 500 in the API and the admin).
    with pytest.raises(RestConfigError, match=r"calls\['credential.issued'\].url must be text"):
        rest_config_clean({"auth": {"type": "none"}, "calls": {"credential.issued": {"url": url}}})
