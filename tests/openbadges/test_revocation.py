"""Revoke, suspend and restore: nothing deleted, the audit trail says who and why, the issuance stops."""

import pytest

from audit.models import AuditRecord
from issuance.models import Credential, Issuance
from issuance.revocation import (
    ReasonRequired,
    StatusConflict,
    credential_revoke,
    credential_suspend,
    credential_unsuspend,
)


def test_it_revokes_keeping_the_credential_and_recording_who_and_why(issue, admin_user):
    credential = issue()

    credential_revoke(credential=credential, reason="  Certificate obtained by fraud. ", actor=admin_user)

    credential.refresh_from_db()
    assert credential.status == Credential.Status.REVOKED
    assert credential.status_reason == "Certificate obtained by fraud."
    assert credential.badge is not None and credential.pdf  # nothing deleted
    issuance = Issuance.objects.get(pk=credential.issuance_id)
    assert issuance.state == Issuance.State.REVOKED
    record = AuditRecord.objects.filter(issuance=issuance).last()
    assert (record.from_state, record.to_state) == ("synced", "revoked")
    assert record.actor_user == admin_user and record.actor_label == admin_user.username
    assert "Certificate obtained by fraud." in record.detail


def test_it_refuses_to_revoke_without_a_reason_or_twice(issue, admin_user):
    credential = issue()
    with pytest.raises(ReasonRequired):
        credential_revoke(credential=credential, reason="   ", actor=admin_user)
    credential_revoke(credential=credential, reason="Issued in error.", actor=admin_user)

    with pytest.raises(StatusConflict, match="revoked"):
        credential_revoke(credential=credential, reason="Again.", actor=admin_user)
    assert AuditRecord.objects.filter(issuance_id=credential.issuance_id, to_state="revoked").count() == 1


def test_it_suspends_and_restores_with_an_audit_record_each_time(issue, admin_user):
    credential = issue()

    credential_suspend(credential=credential, reason="Under review.", actor=admin_user)
    assert Credential.objects.get(pk=credential.pk).status == Credential.Status.SUSPENDED
    credential_unsuspend(credential=credential, reason="Review passed.", actor=admin_user)

    credential.refresh_from_db()
    assert credential.status == Credential.Status.ACTIVE and credential.status_reason == ""
    transitions = list(AuditRecord.objects.filter(issuance_id=credential.issuance_id)
                       .values_list("from_state", "to_state", "detail"))[-2:]
    assert transitions == [
        ("active", "suspended", f"Credential {credential.pk} suspended: Under review."),
        ("suspended", "active", f"Credential {credential.pk} restored: Review passed."),
    ]
    assert Issuance.objects.get(pk=credential.issuance_id).state == Issuance.State.SYNCED


def test_it_only_suspends_active_and_restores_suspended_credentials(issue, admin_user):
    credential = issue()
    with pytest.raises(StatusConflict):
        credential_unsuspend(credential=credential, reason="Review passed.", actor=admin_user)
    credential_revoke(credential=credential, reason="Issued in error.", actor=admin_user)

    with pytest.raises(StatusConflict):
        credential_suspend(credential=credential, reason="Why not.", actor=admin_user)


def test_it_stops_an_issuance_still_on_its_way_from_being_delivered(smtp, first_aid, admin_user):
    from .conftest import complete, drive

    issuance = complete(first_aid, score=90)
    drive(issuance, limit=3)  # decided, rendered, badged: the email is next
    credential = Credential.objects.get(issuance=issuance)

    credential_revoke(credential=credential, reason="Wrong learner.", actor=admin_user)
    issuance = drive(issuance)

    assert issuance.state == Issuance.State.REVOKED
    assert smtp.messages == []


def test_it_records_the_system_as_actor_when_no_person_acted(issue):
    credential = issue()

    credential_revoke(credential=credential, reason="Source withdrew the completion.")

    record = AuditRecord.objects.filter(issuance_id=credential.issuance_id).last()
    assert (record.actor_kind, record.actor_label, record.actor_user) == ("system", "system", None)


def test_restoring_needs_a_reason_like_suspending(issue, admin_user):
    credential = issue()
    credential_suspend(credential=credential, reason="Under review.", actor=admin_user)
    for blank in ("", "   "):
        with pytest.raises(ReasonRequired):
            credential_unsuspend(credential=credential, reason=blank, actor=admin_user)
    assert Credential.objects.get(pk=credential.pk).status == Credential.Status.SUSPENDED
    assert not AuditRecord.objects.filter(issuance_id=credential.issuance_id, to_state="active", from_state="suspended").exists()
