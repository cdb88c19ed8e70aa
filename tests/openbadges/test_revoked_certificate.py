"""A revoked credential's certificate is refused with a page that says why; others download as before."""

from django.urls import reverse

from issuance.revocation import credential_revoke


def test_a_revoked_certificate_is_refused_with_a_page_saying_why(client, issue):
    credential = issue()
    url = reverse("credential-pdf", args=[credential.pk])
    assert client.get(url).status_code == 200

    credential_revoke(credential=credential, reason="Issued in error: the assessment was not completed.")
    response = client.get(url)

    assert response.status_code == 410
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "This certificate was revoked" in page
    assert "Issued in error: the assessment was not completed." in page
    assert reverse("credential-page", args=[credential.pk]) in page


def test_the_credential_page_of_a_revoked_credential_offers_no_pdf(client, issue):
    credential = issue()
    credential_revoke(credential=credential, reason="Issued in error.")
    page = client.get(reverse("credential-page", args=[credential.pk])).content.decode()
    assert "Certificate (PDF)" not in page
