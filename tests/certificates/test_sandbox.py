"""Staff-edited templates run in a sandbox: only merge fields, a few tags, escaping always on."""

import pytest

from courses.templating.certificate_fields import FIELD_SPEC
from issuance.certificates.render import CertificateTemplateError
from courses.templating.sandbox import TemplateRefused, sandbox_render, template_validate

from .test_references import _render


@pytest.mark.parametrize(
    "source, named",
    [
        ("{% load static %}", "{% load %}"),
        ("{% include 'admin/base.html' %}", "{% include %}"),
        ("{% extends 'admin/base.html' %}", "{% extends %}"),
        ("{% ssi '/etc/passwd' %}", "{% ssi %}"),
        ("{% debug %}", "{% debug %}"),
        ("{% autoescape off %}{{ learner_name }}{% endautoescape %}", "{% autoescape %}"),
        ("{% templatetag openblock %} load {% templatetag closeblock %}", "{% templatetag %}"),
        ("{% verbatim %}{{ x }}{% endverbatim %}", "{% verbatim %}"),
        ("{% url 'admin:index' %}", "{% url %}"),
        ("{% csrf_token %}", "{% csrf_token %}"),
        ("{{ learner_name|safe }}", "|safe"),
        ("{{ learner_name|center:'100000000' }}", "|center"),
        ("{{ learner_name.upper }}", "{{ learner_name.upper }}"),
        ("{{ request.user }}", "{{ request.user }}"),
        ("{% for s in signatories %}{{ s.items }}{% endfor %}", "{{ s.items }}"),
        ("{% if learner_name.__class__ %}x{% endif %}", "learner_name.__class__"),
    ],
)
def test_it_refuses_what_a_staff_template_may_not_use_and_names_it(source, named):
    problems = template_validate("<p>Certificate</p>\n" + source, fields=FIELD_SPEC)
    assert problems, source
    assert named in problems[0]
    assert problems[0].startswith("line 2:")


def test_it_allows_the_documented_merge_fields_and_tags():
    source = (
        "{% if expiry_date %}{{ expiry_date }}{% else %}never{% endif %}"
        "{% for s in signatories %}{{ forloop.counter }} {{ s.name|upper }} {{ s.title|default:'' }}{% endfor %}"
        "{{ learner_name }} {{ signatories.0.name }} {% now 'Y' %}"
    )
    assert template_validate(source, fields=FIELD_SPEC) == []


def test_it_refuses_to_render_a_disallowed_template_as_a_certificate():
    with pytest.raises(CertificateTemplateError, match=r"\{% load %\}"):
        _render("{% load static %}")


def test_it_escapes_merge_fields_always():
    out = sandbox_render("<p>{{ name }}</p>", {"name": "O'Brien <b>&</b> Sons"})
    assert out == "<p>O&#x27;Brien &lt;b&gt;&amp;&lt;/b&gt; Sons</p>"


def test_it_renders_only_plain_data():
    class Learner:
        name = "x"

    with pytest.raises(TypeError, match="plain strings and numbers"):
        sandbox_render("{{ learner }}", {"learner": Learner()})


def test_it_refuses_at_render_time_too():
    with pytest.raises(TemplateRefused, match="not a merge field"):
        sandbox_render("{{ secret }}", {"name": "x"})
