"""A name correction reissues: new PDF, a new proof over the new name (same id) that the independent verifier accepts."""

import pytest
from django.urls import reverse

from issuance.lifecycle.regenerate import credential_certificate_regenerate
from issuance.models import Credential
from stand_ins.smtp import attachments


def _signed_name(badge: dict) -> str:
    [name] = [i["identityHash"] for i in badge["credentialSubject"]["identifier"] if i["identityType"] == "name"]
    return name


def test_it_re_signs_the_badge_with_the_corrected_name_and_the_verifier_accepts_it(
    live_server, settings, issue, verify, admin_user, smtp
):
    settings.LAUREL_BASE_URL = f"http://127.0.0.1:{live_server.thread.port}"
    credential = issue(name="Ann Leee")
    old_badge = credential.badge

    credential_certificate_regenerate(credential=credential, actor_user=admin_user, reason="Name misspelt by the LMS",
                                      learner_name="Ann Lee")

    credential = Credential.objects.get(pk=credential.pk)
    badge = credential.badge
    assert badge["id"] == old_badge["id"] and badge["proof"] != old_badge["proof"]
    assert _signed_name(badge) == "Ann Lee" and _signed_name(old_badge) == "Ann Leee"
    result = verify(badge, fetch_local=True)
    assert result["accepted"] and result["signatureVerified"], result
    record = credential.issuance.audit_records.filter(detail__startswith="Open Badges credential re-signed").get()
    [revision] = credential.badge_revisions.all()
    assert revision.document == old_badge and f"revision {revision.pk}, SHA-256 {revision.sha256}" in record.detail
    assert len(smtp.messages) == 1  # staff did not choose to email the learner


def test_it_emails_the_corrected_credential_when_staff_choose(issue, admin_client, smtp):
    credential = issue(name="Ann Leee")
    changelist = reverse("admin:issuance_credential_changelist")

    admin_client.post(changelist, {"action": "regenerate_certificates", "_selected_action": [credential.pk], "confirm": "yes",
                                   "reason": "Name misspelt", "learner_name": "Ann Lee", "email_learner": "on"})

    original, corrected = smtp.messages
    assert "Ann Lee" in corrected["To"] and "Certificate - First Aid at Work - Ann Lee.pdf" in attachments(corrected)
    assert "Ann Leee" in original["To"]


def test_it_will_not_email_a_revoked_credential_as_corrected(issue, admin_user, smtp):
    from issuance.revocation import credential_revoke

    credential = issue()
    credential_revoke(credential=credential, reason="Withdrawn.", actor=admin_user)

    with pytest.raises(ValueError, match="the credential is revoked; its email would say it is valid"):
        credential_certificate_regenerate(credential=credential, actor_user=admin_user, reason="Typo", learner_name="A",
                                          email_learner=True)
    assert len(smtp.messages) == 1


def test_it_renders_the_corrected_pdf_with_the_re_signed_credential_inside(issue, admin_user, smtp):
    from issuance.certificates.pdfa import certificate_credential_read

    credential = issue(name="Ann Leee")
    with credential.pdf.open("rb") as stored:
        assert _signed_name(certificate_credential_read(stored.read())) == "Ann Leee"

    credential_certificate_regenerate(credential=credential, actor_user=admin_user, reason="Name misspelt by the LMS",
                                      learner_name="Ann Lee")

    credential = Credential.objects.get(pk=credential.pk)
    with credential.pdf.open("rb") as stored:
        carried = certificate_credential_read(stored.read())
    assert carried == credential.badge and _signed_name(carried) == "Ann Lee"


def test_it_regenerates_without_a_new_name_with_the_same_credential_inside(issue, admin_user, smtp):
    from issuance.certificates.pdfa import certificate_credential_read

    credential = issue(name="Ann Lee")
    badge = credential.badge

    credential_certificate_regenerate(credential=credential, actor_user=admin_user, reason="Template updated")

    credential = Credential.objects.get(pk=credential.pk)
    with credential.pdf.open("rb") as stored:
        assert certificate_credential_read(stored.read()) == badge == credential.badge
