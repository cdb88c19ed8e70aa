"""The one email render helper: a restricted engine, escaped HTML, plain text, one-line subjects."""

import pytest

from courses.models import EmailTemplate
from issuance.email.render import EmailTemplateError, email_render
from tests.factories.courses import OrganizationFactory

pytestmark = pytest.mark.django_db


def template(kind="credential", **parts) -> EmailTemplate:
    fields = {"subject": "Hello {{ learner_name }}", "text_body": "Dear {{ learner_name }}", "html_body": "<p>Dear {{ learner_name }}</p>"}
    return EmailTemplate(organization=OrganizationFactory(name="Northwind", primary_color="#0A7C59"), kind=kind,
                         name="t", **{**fields, **parts})


def test_it_escapes_learner_text_in_html_and_keeps_it_as_typed_in_text():
    rendered = email_render(template=template(), context={"learner_name": "<script>alert(1)</script> O'Brien & Co"})

    assert "&lt;script&gt;alert(1)&lt;/script&gt; O&#x27;Brien &amp; Co" in rendered.html
    assert "<script>" not in rendered.html
    assert "Dear <script>alert(1)</script> O'Brien & Co" in rendered.text
    assert rendered.subject == "Hello <script>alert(1)</script> O'Brien & Co"


def test_it_keeps_the_subject_on_one_line_whatever_the_name_holds():
    rendered = email_render(template=template(), context={"learner_name": "Ana\r\nBcc: victim@example.org\u2028\tx\x00"})

    assert rendered.subject == "Hello Ana Bcc: victim@example.org x"


def test_it_wraps_the_body_in_the_organisations_branded_layout():
    rendered = email_render(template=template(), context={"learner_name": "Ana"})

    assert "background-color:#0A7C59" in rendered.html
    assert rendered.html.lstrip().startswith("<!DOCTYPE html>")
    assert 'role="presentation"' in rendered.html
    assert rendered.text.rstrip().endswith("Northwind")


@pytest.mark.parametrize("html", [
    "{% load static %}", "{% include 'admin/base.html' %}", "{{ learner_name|safe }}", "{% autoescape off %}x{% endautoescape %}",
    "{% debug %}", "{% url 'admin:index' %}", "{% if %}",
])
def test_it_refuses_template_code_that_could_reach_outside_or_unescape(html):
    with pytest.raises(EmailTemplateError, match="The HTML of 't' cannot be used"):
        email_render(template=template(html_body=html), context={"learner_name": "Ana"})


def test_it_allows_the_presentation_tags_staff_need():
    body = "{% for r in reasons %}{{ forloop.counter }}. {{ r|upper }}{% endfor %} {{ reasons|length }} thing{{ reasons|length|pluralize }}{% if course_title %}!{% endif %}"

    rendered = email_render(template=template("still_needed", text_body=body), context={"reasons": ["a", "b"], "course_title": ""})

    assert "1. A2. B 2 things" in rendered.text


def test_it_refuses_a_field_this_kind_of_email_does_not_have():
    with pytest.raises(EmailTemplateError, match=r"\{\{ reasons \}\} is not a merge field"):
        email_render(template=template(text_body="{{ reasons }}"), context={})


def test_saving_an_email_template_with_a_disallowed_construct_is_refused_naming_it():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="load"):
        template(html_body="{% load static %}").full_clean()


def test_it_refuses_objects_in_the_context():
    with pytest.raises(TypeError, match=r"context.learner must be plain data, not Organization"):
        email_render(template=template(), context={"learner": OrganizationFactory()})


def test_it_refuses_an_oversized_template():
    with pytest.raises(EmailTemplateError, match="the limit is 100000"):
        email_render(template=template(html_body="x" * 100_001), context={})
