"""A constituent revoked or expired: the programme credential follows its programme's policy, and says why."""

from datetime import timedelta

import pytest
from django.utils import timezone

from audit.models import AuditRecord
from issuance.intake.digests import staff_digest_send
from issuance.lifecycle.expiry import credentials_expire_due
from issuance.models import Credential, Issuance, OutboxMessage, ProgrammeAward, StaffDigest
from issuance.revocation import credential_revoke
from tests.pipeline.conftest import complete, drive

Status = Credential.Status


@pytest.fixture
def earned(smtp, courses, make_programme):
    def earn(policy):
        programme = make_programme(on_constituent_revoked=policy)
        constituents = {code: drive(complete(courses[code])).credential for code in ("FA-101", "FS-101", "MH-101")}
        [issuance] = Issuance.objects.filter(course=programme.course)
        return programme, constituents, drive(issuance).credential
    return earn


def details(credential):
    return " ".join(AuditRecord.objects.filter(issuance=credential.issuance).values_list("detail", flat=True))


@pytest.mark.parametrize("policy, status", [("keep", Status.ACTIVE), ("suspend", Status.SUSPENDED), ("revoke", Status.REVOKED)])
def test_it_follows_the_policy_when_a_constituent_is_revoked(earned, policy, status):
    programme, constituents, programme_credential = earned(policy)

    credential_revoke(credential=constituents["FS-101"], reason="Assessment found to be copied.")

    programme_credential.refresh_from_db()
    assert programme_credential.status == status
    why = (f"Fire Safety (credential {constituents['FS-101'].pk}) was revoked (Assessment found to be copied.); "
           f"programme WSO's policy is to {programme.get_on_constituent_revoked_display()}.")
    assert why in details(programme_credential)
    if policy != "keep":
        assert programme_credential.status_reason == why
    award = ProgrammeAward.objects.get(programme=programme)
    assert why in award.notice and award.staff_notified_at is None
    assert (award.closed_at is not None) == (policy == "revoke")


def test_it_follows_the_policy_when_a_constituent_expires(earned):
    programme, constituents, programme_credential = earned("suspend")
    Credential.objects.filter(pk=constituents["MH-101"].pk).update(valid_until=timezone.now() - timedelta(days=1))

    assert credentials_expire_due() == 1

    programme_credential.refresh_from_db()
    assert programme_credential.status == Status.SUSPENDED
    assert "Manual Handling" in programme_credential.status_reason and ") expired (it was valid until" in programme_credential.status_reason


def test_it_lets_a_learner_earn_a_revoked_programme_again(earned, courses):
    programme, constituents, programme_credential = earned("revoke")
    credential_revoke(credential=constituents["FS-101"], reason="Wrong learner.")

    drive(complete(courses["FS-101"]))  # they retake Fire Safety

    again = Issuance.objects.filter(course=programme.course).exclude(pk=programme_credential.issuance_id).get()
    assert drive(again).credential.status == Status.ACTIVE
    assert ProgrammeAward.objects.filter(programme=programme, closed_at__isnull=True).count() == 1


def test_it_tells_staff_in_the_digest_once(earned):
    programme, constituents, _ = earned("revoke")
    credential_revoke(credential=constituents["FA-101"], reason="Issued to the wrong learner.")

    assert staff_digest_send(organization=programme.organization) is not None
    digest = OutboxMessage.objects.get(kind=OutboxMessage.Kind.STAFF_DIGEST)
    assert "Programme WSO for ann@learners.example: a constituent was revoked or expired" in digest.text_body
    assert "Issued to the wrong learner." in digest.text_body
    assert "/admin/courses/programme/" in digest.text_body
    OutboxMessage.objects.all().delete()
    StaffDigest.objects.all().delete()
    assert staff_digest_send(organization=programme.organization) is None  # told once


def test_it_restores_a_suspended_programme_credential_when_the_lost_constituent_is_earned_again(earned, courses):
    programme, constituents, programme_credential = earned("suspend")
    credential_revoke(credential=constituents["FS-101"], reason="Wrong learner.")
    programme_credential.refresh_from_db()
    assert programme_credential.status == Status.SUSPENDED

    retaken = drive(complete(courses["FS-101"])).credential  # they retake Fire Safety

    programme_credential.refresh_from_db()
    assert programme_credential.status == Status.ACTIVE and programme_credential.status_reason == ""
    why = (f"Fire Safety earned again (credential {retaken.pk}): programme WSO is met again without Fire Safety "
           f"(credential {constituents['FS-101'].pk}), whose loss its policy had suspended it for.")
    assert f"Credential {programme_credential.pk} restored: {why}" in details(programme_credential)
    award = ProgrammeAward.objects.get(programme=programme)
    assert award.closed_at is None and award.suspended_for is None and why in award.notice
    assert set(award.constituents.all()) == {constituents["FA-101"], retaken, constituents["MH-101"]}
    assert Issuance.objects.filter(course=programme.course).count() == 1  # restored, not issued again


def test_it_restores_one_suspended_for_an_expired_constituent_when_it_is_renewed(earned, courses):
    programme, constituents, programme_credential = earned("suspend")
    Credential.objects.filter(pk=constituents["MH-101"].pk).update(valid_until=timezone.now() - timedelta(days=1))
    credentials_expire_due()

    programme_credential.refresh_from_db()
    assert programme_credential.status == Status.SUSPENDED

    drive(complete(courses["MH-101"]))  # renewed: a new Manual Handling credential
    programme_credential.refresh_from_db()
    assert programme_credential.status == Status.ACTIVE


def test_it_leaves_a_hold_staff_placed_since_to_staff(earned, courses):
    from issuance.revocation import credential_suspend, credential_unsuspend

    programme, constituents, programme_credential = earned("suspend")
    credential_revoke(credential=constituents["FS-101"], reason="Wrong learner.")
    credential_unsuspend(credential=programme_credential, reason="Checked by hand.")
    credential_suspend(credential=programme_credential, reason="Under investigation.")

    drive(complete(courses["FS-101"]))

    programme_credential.refresh_from_db()
    assert programme_credential.status == Status.SUSPENDED and programme_credential.status_reason == "Under investigation."
