"""Each counter rises from a real request to a public address; staff, bots and organisations that said no are not counted."""

import logging
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from courses.models import Organization
from issuance.credentials import credential_public_code
from issuance.engagement.bots import user_agent_is_bot
from issuance.models import CredentialEngagement
from issuance.revocation import credential_revoke
from tests.factories.courses import StaffUserFactory

from .conftest import BROWSER, counts

ZERO = {"views": 0, "downloads": 0, "linkedin_clicks": 0, "wallet_claims": 0, "verifications": 0}


def test_it_counts_a_persons_view_download_linkedin_click_and_verifications(person, issue):
    credential = issue()

    assert person.get(f"/credentials/{credential.pk}").status_code == 200
    assert person.get(f"/credentials/{credential.pk}").status_code == 200
    assert person.get(f"/credentials/{credential.pk}.pdf").status_code == 200
    assert person.get(f"/credentials/{credential.pk}/linkedin").status_code == 302
    code = credential_public_code(credential_id=credential.pk)
    assert person.get("/verify", {"code": code}).status_code == 302  # the code's page
    with credential.pdf.open("rb") as handle:
        pdf = handle.read()
    assert person.post("/verify", {"file": SimpleUploadedFile("certificate.pdf", pdf)}).status_code == 200
    assert person.post("/api/v1/verify", {"file": SimpleUploadedFile("certificate.pdf", pdf)}).status_code == 200

    assert counts(credential) == {**ZERO, "views": 2, "downloads": 1, "linkedin_clicks": 1, "verifications": 3}
    row = CredentialEngagement.objects.get(credential=credential)
    assert row.organization_id == credential.issuance.organization_id and row.course_id == credential.issuance.course_id
    assert row.issued_at == credential.issued_at and row.first_counted_at <= row.last_counted_at


def test_the_linkedin_click_lands_on_linkedins_form_built_from_the_credential_whatever_the_visitor_sends(person, issue, settings):
    credential = issue()

    response = person.get(f"/credentials/{credential.pk}/linkedin",
                          {"url": "https://evil.example/", "next": "//evil.example", "certUrl": "https://evil.example"})

    assert response.status_code == 302 and response["Cache-Control"] == "no-store"
    target = urlsplit(response["Location"])
    assert (target.scheme, target.netloc, target.path) == ("https", "www.linkedin.com", "/profile/add")
    params = parse_qs(target.query)
    assert params["name"] == ["First Aid at Work"] and params["organizationName"] == ["Harbour Academy"]
    assert params["certUrl"] == [f"{settings.LAUREL_BASE_URL}/credentials/{credential.pk}"]
    assert params["certId"] == [credential_public_code(credential_id=credential.pk)]
    assert "evil" not in response["Location"]


def test_a_revoked_credential_is_not_sent_to_linkedin_and_its_click_is_not_counted(person, issue):
    credential = issue()
    credential_revoke(credential=credential, reason="issued in error", actor=None)

    response = person.get(f"/credentials/{credential.pk}/linkedin")

    assert response.status_code == 302 and response["Location"] == f"/credentials/{credential.pk}"
    assert counts(credential)["linkedin_clicks"] == 0


def test_it_does_not_count_a_signed_in_staff_member(person, issue):
    credential = issue()
    person.force_login(StaffUserFactory())

    assert person.get(f"/credentials/{credential.pk}").status_code == 200
    assert person.get(f"/credentials/{credential.pk}.pdf").status_code == 200
    assert person.get(f"/credentials/{credential.pk}/linkedin").status_code == 302

    assert counts(credential) == ZERO
    assert not CredentialEngagement.objects.exists()


@pytest.mark.parametrize("agent", [
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)",
    "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
    "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
    "WhatsApp/2.23.20.0", "curl/8.5.0", "python-requests/2.32.3", "",
])
def test_it_does_not_count_known_bots_or_a_request_without_a_user_agent(client, issue, agent):
    credential = issue()

    assert client.get(f"/credentials/{credential.pk}", HTTP_USER_AGENT=agent).status_code == 200
    assert client.get(f"/credentials/{credential.pk}/linkedin", HTTP_USER_AGENT=agent).status_code == 302

    assert counts(credential) == ZERO


def test_the_bot_list_leaves_peoples_browsers_alone():
    for agent in (BROWSER, "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
                  "Version/17.5 Mobile/15E148 Safari/604.1", "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"):
        assert not user_agent_is_bot(agent), agent


def test_an_organisation_that_turned_counting_off_has_nothing_counted(person, issue):
    credential = issue()
    person.get(f"/credentials/{credential.pk}")
    Organization.objects.filter(pk=credential.issuance.organization_id).update(count_engagement=False)

    assert person.get(f"/credentials/{credential.pk}").status_code == 200
    assert person.get(f"/credentials/{credential.pk}.pdf").status_code == 200
    assert person.get(f"/credentials/{credential.pk}/linkedin").status_code == 302

    assert counts(credential) == {**ZERO, "views": 1}  # what was counted before stays; nothing more


def test_public_pages_set_no_cookie_for_a_visitor(person, issue):
    credential = issue()
    code = credential_public_code(credential_id=credential.pk)

    for path in (f"/credentials/{credential.pk}", f"/credentials/{credential.pk}.pdf", f"/credentials/{credential.pk}/linkedin",
                 f"/verify?code={code}", "/verify"):
        response = person.get(path)
        assert response.status_code in (200, 302), path
        assert "Set-Cookie" not in response.headers and not response.cookies, path
    assert counts(credential)["views"] == 1


def test_a_counting_error_is_logged_and_the_page_still_answers(person, issue, caplog):
    credential = issue()
    with connection.cursor() as cursor:  # undone with the test's transaction
        cursor.execute(f"DROP TABLE {connection.ops.quote_name(CredentialEngagement._meta.db_table)}")

    with caplog.at_level(logging.WARNING, logger="issuance.engagement.counting"):
        response = person.get(f"/credentials/{credential.pk}")
        linkedin = person.get(f"/credentials/{credential.pk}/linkedin")

    assert response.status_code == 200 and "Valid credential" in response.content.decode()
    assert linkedin.status_code == 302 and linkedin["Location"].startswith("https://www.linkedin.com/profile/add?")
    assert [record.getMessage() for record in caplog.records if record.name == "issuance.engagement.counting"] == [
        f"engagement: views of credential {credential.pk} not counted",
        f"engagement: linkedin_clicks of credential {credential.pk} not counted",
    ]
