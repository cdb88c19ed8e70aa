"""Admin actions: bulk revoke / suspend / restore behind a confirmation page, and key rotation."""

from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME

from issuance.models import Credential

CHANGELIST = "/admin/issuance/credential/"


def _act(admin_client, action, credentials, **extra):
    data = {"action": action, ACTION_CHECKBOX_NAME: [str(c.pk) for c in credentials], **extra}
    return admin_client.post(CHANGELIST, data, follow="confirm" in extra)


def test_it_lists_what_a_bulk_revoke_will_touch_before_doing_anything(admin_client, issue):
    ann, bob = issue(name="Ann Lee", email="ann@l.example"), issue(name="Bob Roe", email="bob@l.example")

    page = _act(admin_client, "revoke_selected", [ann, bob]).content.decode()

    assert "Revoke credentials" in page and "Ann Lee" in page and "Bob Roe" in page
    assert "Reason (required)" in page
    assert set(Credential.objects.values_list("status", flat=True)) == {"active"}


def test_it_asks_again_when_the_reason_is_missing(admin_client, issue):
    credential = issue()

    page = _act(admin_client, "revoke_selected", [credential], confirm="yes", reason=" ").content.decode()

    assert "Give a reason" in page
    assert Credential.objects.get(pk=credential.pk).status == Credential.Status.ACTIVE


def test_it_revokes_the_confirmed_selection_and_reports_a_summary(admin_client, issue, admin_user):
    ann, bob = issue(name="Ann Lee", email="ann@l.example"), issue(name="Bob Roe", email="bob@l.example")
    Credential.objects.filter(pk=bob.pk).update(status=Credential.Status.REVOKED, status_reason="Earlier.")

    page = _act(admin_client, "revoke_selected", [ann, bob], confirm="yes", reason="Course withdrawn.").content.decode()

    assert "Revoked: 1 credential." in page
    assert "Left unchanged (1)" in page
    assert Credential.objects.get(pk=ann.pk).status_reason == "Course withdrawn."
    assert Credential.objects.get(pk=bob.pk).status_reason == "Earlier."


def test_it_suspends_and_restores_in_bulk(admin_client, issue):
    credential = issue()

    _act(admin_client, "suspend_selected", [credential], confirm="yes", reason="Under review.")
    assert Credential.objects.get(pk=credential.pk).status == Credential.Status.SUSPENDED
    unexplained = _act(admin_client, "unsuspend_selected", [credential], confirm="yes", reason="").content.decode()
    assert "Give a reason" in unexplained
    assert Credential.objects.get(pk=credential.pk).status == Credential.Status.SUSPENDED
    page = _act(admin_client, "unsuspend_selected", [credential], confirm="yes", reason="Review passed.").content.decode()

    assert "Active: 1 credential." in page
    assert Credential.objects.get(pk=credential.pk).status == Credential.Status.ACTIVE


def test_it_rotates_an_organisations_signing_key_and_keeps_the_old_one_listed(admin_client, academy):
    old = academy.signing_keys.get()

    page = admin_client.post("/admin/courses/organization/", {"action": "rotate_signing_keys",
                                                                ACTION_CHECKBOX_NAME: [academy.pk]}, follow=True)

    assert "New signing keys: Harbour Academy → key-2." in page.content.decode()
    keys = list(academy.signing_keys.order_by("created_at", "id"))
    assert [k.key_id for k in keys] == ["key-1", "key-2"]
    assert keys[0].pk == old.pk and keys[0].retired_at is not None and keys[1].retired_at is None
    change_page = admin_client.get(f"/admin/courses/organization/{academy.pk}/change/").content.decode()
    assert old.public_key_multibase in change_page and keys[1].public_key_multibase in change_page
