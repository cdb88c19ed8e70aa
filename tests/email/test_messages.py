"""The credential and "still needed" emails as a learner's mail client receives them (through real SMTP)."""

import html
import re
from urllib.parse import urlsplit

import pytest
from django.test import Client

from courses.defaults import organization_install_default_templates
from courses.models import EmailTemplate
from issuance.models import Suppression
from issuance.delivery.sending import delivery_send_credential_email, delivery_send_still_needed_email
from tests.factories.delivery import CredentialFactory, IssuanceFactory
from tests.factories.courses import CourseFactory, OrganizationFactory

pytestmark = pytest.mark.django_db
BASE = "https://credentials.example.org"


def parts(message):
    return message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content()


def send_credential(smtp_server, **overrides):
    credential = CredentialFactory(**overrides)
    result = delivery_send_credential_email(issuance=credential.issuance, credential=credential)
    assert result.sent, result.detail
    return credential, smtp_server.messages[-1]


def test_it_comes_from_the_organisation_with_a_message_id_on_its_domain(smtp_server):
    organization = OrganizationFactory(name="Northwind Safety", sender_name="Northwind Safety",
                                       sender_email="certificates@northwind.example", reply_to="training@northwind.example")
    _, message = send_credential(smtp_server, issuance__organization=organization)

    assert message["From"] == "Northwind Safety <certificates@northwind.example>"
    assert message["Reply-To"] == "training@northwind.example"
    assert re.fullmatch(r"<[^@<>]+@northwind\.example>", message["Message-ID"])
    one_click, mailto = re.findall(r"<([^>]+)>", message["List-Unsubscribe"])
    assert re.fullmatch(rf"{BASE}/email/unsubscribe/[^/]+", one_click)
    assert mailto == "mailto:training@northwind.example?subject=unsubscribe"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert smtp_server.handler.envelopes[-1].mail_from == "certificates@northwind.example"


def test_its_date_says_utc_as_plus_0000(smtp_server):
    # RFC 5322 reads "-0000" as "local zone unknown"; Django writes UTC that way unless told otherwise.
    _, message = send_credential(smtp_server)
    assert re.fullmatch(r"\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} \+0000", message["Date"])


def test_the_one_click_unsubscribe_post_puts_the_recipient_on_the_suppression_list(smtp_server, client):
    credential, message = send_credential(smtp_server, issuance__learner__email="Ana@Learners.example")
    path = urlsplit(re.findall(r"<([^>]+)>", message["List-Unsubscribe"])[0]).path
    organization = credential.issuance.organization

    page = client.get(path)  # a link scanner's GET unsubscribes no one
    assert page.status_code == 200 and b"Unsubscribe from" in page.content
    assert not Suppression.objects.filter(organization=organization).exists()
    assert client.post(path, data={"other": "x"}).status_code == 400

    # What a mailbox provider sends (RFC 8058 section 3.2): a POST with no cookie or CSRF token.
    reply = Client(enforce_csrf_checks=True).post(path, data="List-Unsubscribe=One-Click",
                                                  content_type="application/x-www-form-urlencoded")
    assert reply.status_code == 200 and b"You are unsubscribed" in reply.content
    suppression = Suppression.objects.get(organization=organization)
    assert suppression.address == "ana@learners.example" and suppression.reason == Suppression.Reason.UNSUBSCRIBED
    assert client.post(path.replace("/unsubscribe/", "/unsubscribe/x"), data={"List-Unsubscribe": "One-Click"}).status_code == 404


def test_it_links_the_credential_page_badge_and_linkedin_with_the_right_parameters(smtp_server):
    course = CourseFactory(title="First Aid at Work", achievement__name="First Aid at Work (3 years)",
                           organization__name="Northwind Safety")
    credential, message = send_credential(smtp_server, issuance__course=course, issuance__organization=course.organization)
    text, body = parts(message)
    page = f"{BASE}/credentials/{credential.pk}"

    assert f'href="{page}"' in body and page in text
    assert f'href="{page}.json"' in body and f"{page}.json" in text
    # Add to LinkedIn goes through Laurel's redirect, which counts the click (tests/engagement/test_counting.py
    # follows it to LinkedIn's form with every parameter).
    assert f'href="{page}/linkedin"' in body and f"{page}/linkedin" in text


def test_it_names_the_course_in_the_subject_and_invites_to_the_next_course(smtp_server):
    course = CourseFactory(title="First Aid at Work")
    course.next_course = CourseFactory(organization=course.organization, title="Mental Health First Aid")
    course.save()
    _, message = send_credential(smtp_server, issuance__course=course, issuance__organization=course.organization)
    text, body = parts(message)

    assert message["Subject"] == "Your certificate for First Aid at Work"
    assert "Mental Health First Aid" in body and "Ready for the next step? Mental Health First Aid" in text


def test_it_leaves_out_the_badge_link_when_there_is_no_badge(smtp_server):
    credential, message = send_credential(smtp_server, badge=None)

    assert ".json" not in parts(message)[0]


def test_it_cannot_be_made_to_inject_headers_by_a_name_with_line_breaks(smtp_server):
    name = "Ana Lima\r\nBcc: victim@example.org\r\nSubject: free money"
    course = CourseFactory(title="CPR\r\nBcc: also@example.org")
    _, message = send_credential(smtp_server, issuance__course=course, issuance__organization=course.organization,
                                 issuance__learner_name=name, issuance__learner__name=name)

    assert message.get_all("Bcc") is None
    assert message.get_all("Subject") == ["Your certificate for CPR Bcc: also@example.org"]
    assert "\n" not in message["To"] and message["To"].addresses[0].display_name == "Ana Lima Bcc: victim@example.org Subject: free money"
    assert [rcpt for envelope in smtp_server.handler.envelopes for rcpt in envelope.rcpt_tos] == [message["To"].addresses[0].addr_spec]
    [pdf] = list(message.iter_attachments())
    assert pdf.get_filename() == "Certificate - CPR Bcc also@example.org - Ana Lima Bcc victim@example.org Subject free money.pdf"


@pytest.mark.parametrize("name", ["Анна Лимова", "李小龍", "محمد الفارسي", "Zoë O'Brien-Ñúñez", "श्रेया", "Ana 🎓"])
def test_it_shows_names_in_any_script_as_typed(smtp_server, name):
    _, message = send_credential(smtp_server, issuance__learner_name=name, issuance__learner__name=name)
    text, body = parts(message)

    assert message["To"].addresses[0].display_name == name
    assert f"Congratulations, {name}!" in text
    assert f"Congratulations, {html.escape(name)}!" in body
    assert list(message.iter_attachments())[0].get_filename().endswith(f" - {name}.pdf")


def test_it_escapes_html_in_names_and_titles_but_keeps_them_as_typed_in_text(smtp_server):
    name, title = '<img src=x onerror="alert(1)"> & Co', "Fire <Safety> & \"Evacuation\""
    course = CourseFactory(title=title)
    _, message = send_credential(smtp_server, issuance__course=course, issuance__organization=course.organization,
                                 issuance__learner_name=name, issuance__learner__name=name)
    text, body = parts(message)

    assert "<img src=x" not in body and "<Safety>" not in body
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; Co" in body
    assert "Fire &lt;Safety&gt; &amp; &quot;Evacuation&quot;" in body
    assert f"Congratulations, {name}!" in text and f"You have completed {title} with" in text
    assert message["Subject"] == f"Your certificate for {title}"


def test_it_uses_the_organisations_installed_templates(smtp_server):
    organization = OrganizationFactory()
    organization_install_default_templates(organization=organization)
    EmailTemplate.objects.filter(organization=organization, kind="credential").update(subject="Well done on {{ course_title }}")
    _, message = send_credential(smtp_server, issuance__organization=organization, issuance__course__title="CPR")

    assert message["Subject"] == "Well done on CPR"


def test_it_tells_an_ineligible_learner_each_thing_they_still_need(smtp_server):
    issuance = IssuanceFactory(course__title="Manual Handling", learner_name="Ana <Lima>")
    reasons = ["A score of at least 80% (you scored 64%).", "Attendance of <90%> & the practical day."]

    assert delivery_send_still_needed_email(issuance=issuance, reasons=reasons).sent
    [message] = smtp_server.messages
    text, body = parts(message)

    assert message["Subject"] == "Manual Handling: what you still need for your certificate"
    assert "1. A score of at least 80% (you scored 64%)." in text and "2. Attendance of <90%> & the practical day." in text
    assert "Attendance of &lt;90%&gt; &amp; the practical day." in body and "Ana &lt;Lima&gt;" in body
    assert list(message.iter_attachments()) == []


def test_it_uses_a_template_as_edited_for_the_next_email(smtp_server):
    organization = OrganizationFactory()
    organization_install_default_templates(organization=organization)
    template = EmailTemplate.objects.get(organization=organization, kind="credential")
    send_credential(smtp_server, issuance__organization=organization, issuance__course__title="CPR")

    template.subject, template.text_body = "Well done on {{ course_title }}", "Edited: {{ learner_name }}."
    template.save()
    organization.refresh_from_db(fields=["catalogue_version"])  # as a worker reads it with the next issuance it takes
    _, message = send_credential(smtp_server, issuance__organization=organization, issuance__course__title="CPR")

    assert message["Subject"] == "Well done on CPR"
    assert parts(message)[0].startswith("Edited: Ana Lima.")


def test_the_still_needed_email_ends_on_a_finished_sentence_and_links_the_retake_page(smtp_server):
    issuance = IssuanceFactory(course__title="Manual Handling", course__retake_url="https://academy.example/retake/mh")
    assert delivery_send_still_needed_email(issuance=issuance, reasons=["Your score was 64; this course requires 80."]).sent
    text, body = parts(smtp_server.messages[-1])

    assert "Once you have done this, your certificate will follow by email automatically." in text
    assert "As soon as you have," not in text
    assert "Book a retake: https://academy.example/retake/mh" in text
    assert '<a href="https://academy.example/retake/mh"' in body and "Book a retake</a>" in body


def test_the_still_needed_email_leaves_the_retake_link_out_when_the_course_has_none(smtp_server):
    issuance = IssuanceFactory(course__retake_url="")
    reasons = ["Your score was 64; this course requires 80.", "Your attendance was 50%; this course requires 90%."]
    assert delivery_send_still_needed_email(issuance=issuance, reasons=reasons).sent
    text, body = parts(smtp_server.messages[-1])

    assert "Once you have done these, your certificate will follow" in text
    assert "retake" not in text.lower() and "retake" not in body.lower()
