"""Staff decline a learner's wrong-name report from the request's own page: the button, the reason, the summary."""

from issuance.learner_page.actions import name_correction_report
from issuance.models import NameCorrectionRequest, OutboxMessage
from tests.factories.issuance import CredentialFactory, organization_with_templates


def test_staff_decline_a_wrong_name_report_from_its_page_with_a_reason(superuser_page, shots):
    page = superuser_page
    organization = organization_with_templates(name="Harbour Academy", slug="harbour")
    credential = CredentialFactory(issuance__course__organization=organization, issuance__learner_name="Ann Lee",
                                   issuance__language="de")
    report = name_correction_report(credential=credential, requested_name="Anne Leigh", note="Mein Pass sagt Anne.")
    console = []
    page.on("pageerror", lambda error: console.append(str(error)))

    page.goto(f"/admin/issuance/namecorrectionrequest/{report.pk}/change/")
    page.click("button[data-object-action=decline_selected]")
    assert "1 request will be declined." in page.inner_text("body") and "Anne Leigh" in page.inner_text("table")
    page.fill("textarea[name=reason]", "The enrolment form and the passport both read Ann Lee.")
    page.screenshot(path=str(shots / "name-correction-decline.png"), full_page=True)
    page.click("input[type=submit][value='Yes, decline and email the reason']")
    page.wait_for_selector("text=Declined 1 request")  # the next page, not the one being left (CI read it empty)

    assert "Declined 1 request" in page.inner_text("body") and "Name correction #" in page.inner_text("body")
    assert page.locator("button[data-object-action=decline_selected]").count() == 0  # nothing left to decide
    page.screenshot(path=str(shots / "name-correction-declined.png"), full_page=True)
    assert NameCorrectionRequest.objects.get().state == "declined"
    message = OutboxMessage.objects.get(kind="name_declined")
    assert message.subject == "Zum Namen auf Ihrem Nachweis" and message.headers["Content-Language"] == "de"
    assert console == []
