"""Owners invite by email (a link through the outbox, expiring), change roles and remove members; all audited."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditRecord
from courses.models import Invitation, Membership
from issuance.models import OutboxMessage
from tests.factories.courses import OrganizationFactory, StaffUserFactory, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner_client():
    organization = OrganizationFactory(slug="north", name="North College")
    owner = StaffUserFactory(username="owner@north.example", email="owner@north.example", is_superuser=False)
    member(owner, organization, "owner")
    client = Client()
    client.force_login(owner)
    return client, organization, owner


def invite(client, organization, email="new@north.example", role="operator"):
    response = client.post(reverse("admin:courses_invitation_add"), {"organization": organization.pk, "email": email, "role": role})
    assert response.status_code == 302, response.content.decode()[:2000]
    message = OutboxMessage.objects.get(recipient=email, kind="invitation")
    return message, re.search(r"/invitations/(\S+)", message.text_body).group(1)


def test_an_invited_person_accepts_with_a_password_and_becomes_a_member_once(owner_client):
    client, organization, owner = owner_client
    message, token = invite(client, organization)
    assert message.organization == organization and "North College" in message.subject and "expires" in message.text_body
    assert Invitation.objects.get().token_hash != token  # stored hashed

    page = Client().get(f"/invitations/{token}")
    assert page.status_code == 200 and "Join North College" in page.content.decode() and "operator" in page.content.decode()
    mismatch = Client().post(f"/invitations/{token}", {"password": "a-long-pass-phrase-1", "password_again": "other"})
    assert "The two passwords differ." in mismatch.content.decode()
    accepted = Client().post(f"/invitations/{token}", {"password": "a-long-pass-phrase-1", "password_again": "a-long-pass-phrase-1"})
    assert accepted.status_code == 302
    user = get_user_model().objects.get(username="new@north.example")
    assert user.check_password("a-long-pass-phrase-1") and user.is_staff and not user.is_superuser
    assert Membership.objects.get(user=user).role == "operator"
    assert Client().get(f"/invitations/{token}").status_code == 404  # used
    assert list(AuditRecord.objects.filter(organization=organization).values_list("to_state", flat=True)) == [
        "member_invited", "member_added", "member_joined"]


def test_an_expired_or_withdrawn_invitation_opens_nothing(owner_client):
    client, organization, _ = owner_client
    _, token = invite(client, organization)
    Invitation.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    assert Client().get(f"/invitations/{token}").status_code == 404
    _, second = invite(client, organization, email="other@north.example")
    client.post(reverse("admin:courses_invitation_changelist"),
                {"action": "withdraw_selected", "_selected_action": [Invitation.objects.get(email="other@north.example").pk]})
    assert Client().get(f"/invitations/{second}").status_code == 404
    assert not Membership.objects.filter(user__username__in=["new@north.example", "other@north.example"]).exists()


def test_an_owner_changes_a_role_and_removes_a_member_audited_but_never_leaves_no_owner(owner_client):
    client, organization, owner = owner_client
    colleague = StaffUserFactory(username="bo@north.example", email="bo@north.example", is_superuser=False)
    membership = member(colleague, organization, "viewer")
    response = client.post(reverse("admin:courses_membership_change", args=[membership.pk]), {"role": "editor"})
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.role == "editor"
    own = Membership.objects.get(user=owner)
    client.post(reverse("admin:courses_membership_change", args=[own.pk]), {"role": "viewer"})
    own.refresh_from_db()
    assert own.role == "owner"  # the last owner stays one
    client.post(reverse("admin:courses_membership_delete", args=[membership.pk]), {"post": "yes"})
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert list(AuditRecord.objects.filter(organization=organization).values_list("to_state", flat=True)) == [
        "member_role_changed", "member_removed"]


def test_an_owner_cannot_invite_into_or_see_the_members_of_another_organisation(owner_client):
    client, _, _ = owner_client
    other = OrganizationFactory(slug="south")
    stranger = member(StaffUserFactory(username="x@south.example", is_superuser=False), other, "owner")
    response = client.post(reverse("admin:courses_invitation_add"), {"organization": other.pk, "email": "z@x.example", "role": "owner"})
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    assert not Invitation.objects.exists()
    assert client.get(reverse("admin:courses_membership_change", args=[stranger.pk])).status_code == 404
    assert "x@south.example" not in client.get(reverse("admin:courses_membership_changelist")).content.decode()


def test_a_facilitator_sees_only_the_courses_given_and_an_owner_cannot_add_organisations(owner_client):
    from tests.factories.courses import CourseFactory

    client, organization, _ = owner_client
    given, other = CourseFactory(organization=organization), CourseFactory(organization=organization)
    facilitator = StaffUserFactory(username="fa@north.example", is_superuser=False)
    member(facilitator, organization, "facilitator").courses.add(given)
    browser = Client()
    browser.force_login(facilitator)
    listing = browser.get(reverse("admin:courses_course_changelist"))
    assert [c.pk for c in listing.context["cl"].result_list] == [given.pk]
    assert browser.get(reverse("admin:courses_course_change", args=[other.pk])).status_code == 404
    assert client.get(reverse("admin:courses_organization_add")).status_code == 403
