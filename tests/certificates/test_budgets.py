"""A staff template cannot burn the CPU: loop nesting, loop passes, output size and time are bounded."""

import pytest
from django.urls import reverse

from courses.models import CertificateTemplate, EmailTemplate
from courses.templating import sandbox_budget
from courses.templating.certificate_fields import FIELD_SPEC
from courses.templating.sandbox import TemplateRefused, sandbox_render, template_validate
from issuance.certificates.credential_certificate import template_render_pdf
from issuance.certificates.render import CertificateTemplateError
from issuance.email.render import EmailTemplateError, email_render
from tests.credentials_site.admin.pipeline.test_certificate_templates import _form, template  # noqa: F401 (the seeded template fixture)
from tests.factories.courses import OrganizationFactory

NAME = "Alexandra Konstantina Wilhelmina Maximil"  # 40 characters: 40³ = 64,000 passes of three loops
THREE_LOOPS = "<p>\n{% for a in learner_name %}{% for b in learner_name %}{% for c in learner_name %}.{% endfor %}{% endfor %}{% endfor %}</p>"
FOUR_LOOPS = "{% for a in n %}{% for b in n %}{% for c in n %}\n{% for d in n %}.{% endfor %}{% endfor %}{% endfor %}{% endfor %}"


def test_it_refuses_loops_nested_deeper_than_three_and_names_the_line():
    problems = template_validate(FOUR_LOOPS, fields={"n": None})
    assert problems == ["line 2: loops nest 4 deep here; at most 3 may be nested."]


def test_it_stops_a_render_whose_loops_pass_more_than_the_budget():
    with pytest.raises(TemplateRefused) as refused:
        sandbox_render(THREE_LOOPS, {"learner_name": NAME})
    assert refused.value.problems == ["line 2: the loops ran more than 10,000 times in one render; loop over less."]


def test_it_renders_loops_within_the_budget_as_before():
    assert sandbox_render("{% for a in n %}{% for b in n %}{{ a }}{{ b }} {% endfor %}{% endfor %}", {"n": "ab"}) == "aa ab ba bb "


def test_it_stops_a_render_whose_output_passes_the_limit():
    source = "{% for c in learner_name %}\n" + "x" * 99_000 + "{% endfor %}"
    with pytest.raises(TemplateRefused, match=r"line 1: the output passed 2,000,000 characters"):
        sandbox_render(source, {"learner_name": NAME * 2})


def test_it_stops_a_render_that_runs_out_of_time(monkeypatch):
    monkeypatch.setattr(sandbox_budget, "MAX_RENDER_SECONDS", 0.0)
    with pytest.raises(TemplateRefused, match=r"line 1: rendering took longer than 0 s"):
        sandbox_render("{% for c in n %}{{ c }}{% endfor %}", {"n": "abc"})


def test_a_certificate_over_budget_is_a_template_error_naming_the_template_and_line(template):  # noqa: F811
    CertificateTemplate.objects.filter(pk=template.pk).update(html=THREE_LOOPS)  # as saved before budgets existed
    template.refresh_from_db()
    fields = {"learner_name": NAME, "course_title": "First Aid", "course_code": "FA-101", "credential_id": "X",
              "verification_url": "https://example.org/c/1", "completed_at": None, "issued_at": None, "expires_at": None}
    with pytest.raises(CertificateTemplateError) as error:
        template_render_pdf(template=template, fields=fields, title="t", subject="s")
    assert error.value.problems == [
        f"template {template.name!r}, HTML line 2: the loops ran more than 10,000 times in one render; loop over less."
    ]


def test_the_preview_answers_a_template_over_budget_with_the_problem(admin_client, template):  # noqa: F811
    CertificateTemplate.objects.filter(pk=template.pk).update(html=THREE_LOOPS)
    page = admin_client.get(reverse("admin:courses_certificatetemplate_preview", args=[template.pk]), {"sample": "long"})
    assert page.status_code == 200
    assert "the loops ran more than 10,000 times" in page.content.decode()


@pytest.mark.django_db
def test_an_email_over_budget_is_a_template_error_naming_the_template_part_and_line():
    email = EmailTemplate(organization=OrganizationFactory(), kind="credential", name="Welcome", subject="Hi",
                          text_body="Dear {{ learner_name }}", html_body=THREE_LOOPS)
    with pytest.raises(EmailTemplateError, match=r"The HTML of 'Welcome' cannot be used: line 2: the loops ran more than 10,000"):
        email_render(template=email, context={"learner_name": NAME})


@pytest.mark.parametrize(
    "snippet, named",
    [
        ('<img src="https://tracker.example/p.png">', "certificates fetch nothing from the network"),
        ('<img src="laurel-asset:missing-seal">', "no asset named 'missing-seal'"),
        ('<div style="background: url(file:///etc/passwd)">x</div>', "certificates read no server files"),
        ('<img src="https://tracker.example/{{ learner_name }}.png">', "certificates fetch nothing from the network"),
        (THREE_LOOPS, "the loops ran more than 10,000 times"),
        ("{{ learner_name|join:learner_name|join:learner_name|join:learner_name }}", "|join would build"),
    ],
)
def test_saving_a_certificate_template_that_cannot_render_is_refused(admin_client, template, snippet, named):  # noqa: F811
    url = reverse("admin:courses_certificatetemplate_change", args=[template.pk])
    response = admin_client.post(url, _form(template, html=template.html + snippet))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["html"]
    assert any(named in error for error in errors), errors
    template.refresh_from_db()
    assert snippet not in template.html


def test_saving_a_template_that_renders_still_works(admin_client, template):  # noqa: F811
    url = reverse("admin:courses_certificatetemplate_change", args=[template.pk])
    response = admin_client.post(url, _form(template, html=template.html + "<p>{{ course_code }}</p>"))
    assert response.status_code == 302
    template.refresh_from_db()
    assert "{{ course_code }}" in template.html


def test_the_documented_fields_still_validate():
    assert template_validate("{% for s in signatories %}{{ s.name }}{% endfor %}", fields=FIELD_SPEC) == []
