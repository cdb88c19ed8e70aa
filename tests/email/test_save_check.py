"""Saving an email template renders it first: what could not be sent, or would load from elsewhere, is refused."""

import pytest
from django.core.exceptions import ValidationError

from courses.defaults import organization_install_default_templates
from courses.models import CertificateTemplate, EmailTemplate
from tests.factories.courses import OrganizationFactory

pytestmark = pytest.mark.django_db

LOOPS = "{% for a in learner_name %}{% for b in learner_name %}{% for c in learner_name %}.{% endfor %}{% endfor %}{% endfor %}"


def _template(**parts) -> EmailTemplate:
    fields = {"subject": "Hello {{ learner_name }}", "text_body": "Dear {{ learner_name }}", "html_body": "<p>Dear {{ learner_name }}</p>"}
    return EmailTemplate(organization=OrganizationFactory(), kind="credential", name="Welcome", **{**fields, **parts})


@pytest.mark.parametrize(
    "html, named",
    [
        ('<img src="https://tracker.example/open.gif">', "emails load nothing from other sites"),
        ('<p style="background: url(https://tracker.example/bg.png)">x</p>', "emails load nothing from other sites"),
        ('<a href="javascript:alert(1)">x</a>', "is not a web or mailto link"),
        (LOOPS, "line 1: the loops ran more than 10,000 times"),
    ],
)
def test_saving_an_email_template_that_cannot_be_sent_as_written_is_refused(html, named):
    with pytest.raises(ValidationError) as refused:
        _template(html_body=html).full_clean()
    assert any(named in problem for problem in refused.value.message_dict["html_body"]), refused.value.message_dict


def test_a_loop_over_budget_in_the_subject_is_refused_naming_the_subject():
    with pytest.raises(ValidationError) as refused:
        _template(subject=LOOPS).full_clean()
    assert "subject" in refused.value.message_dict


def test_the_logo_and_links_to_anywhere_are_fine(settings):
    settings.LAUREL_BASE_URL = "https://credentials.example.org"
    _template(html_body='<img src="{{ logo_url }}"><a href="https://www.example.com/next">next</a> '
                        '<a href="{{ credential_url }}">yours</a> <a href="mailto:help@example.org">help</a>').full_clean()


def test_every_shipped_template_still_saves():
    organization = OrganizationFactory()
    organization_install_default_templates(organization=organization)
    templates = list(EmailTemplate.objects.filter(organization=organization)) + list(
        CertificateTemplate.objects.filter(organization=organization))
    assert len(templates) >= 5
    for template in templates:
        template.full_clean()
