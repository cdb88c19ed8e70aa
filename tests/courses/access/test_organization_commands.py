"""organization_add and staff_add: scripted set-ups, idempotent, with clear errors."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from courses.access.user_tokens import user_token_find

from audit.models import AuditRecord
from courses.models import Membership, Organization
from issuance.models import StatusList

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_organization_add_makes_an_organisation_ready_to_issue_and_a_second_run_changes_nothing():
    first = run("organization_add", "--slug", "north", "--name", "North College", "--sender", "Certs@North.example",
                "--website", "https://north.example")
    organization = Organization.objects.get(slug="north")
    assert first.startswith("Created North College (north)")
    assert organization.sender_email == "certs@north.example" and organization.website == "https://north.example"
    assert organization.certificate_templates.count() >= 2 and organization.email_templates.count() >= 5
    assert organization.signing_keys.filter(retired_at__isnull=True).count() == 1
    assert set(StatusList.objects.filter(organization=organization).values_list("purpose", flat=True)) == {"revocation", "suspension"}
    counts = (organization.certificate_templates.count(), organization.signing_keys.count(), StatusList.objects.count())

    second = run("organization_add", "--slug", "north", "--name", "North College of Art", "--sender", "certs@north.example")
    organization.refresh_from_db()
    assert second.startswith("Updated North College of Art (north)")
    assert (organization.certificate_templates.count(), organization.signing_keys.count(), StatusList.objects.count()) == counts


def test_organization_add_refuses_a_bad_sender_or_slug_saying_which():
    with pytest.raises(CommandError, match="'not-an-email' is not an email address"):
        run("organization_add", "--slug", "north", "--name", "North", "--sender", "not-an-email")
    with pytest.raises(CommandError, match="slug"):
        run("organization_add", "--slug", "no spaces!", "--name", "North", "--sender", "a@north.example")
    assert not Organization.objects.exists()


def test_staff_add_makes_the_user_and_membership_prints_the_token_last_and_changes_a_role_on_a_second_run():
    run("organization_add", "--slug", "north", "--name", "North", "--sender", "certs@north.example")
    out = run("staff_add", "Ana@North.example", "--org", "north", "--role", "operator", "--password", "pw-1234-long", "--token")
    user = get_user_model().objects.get(username="ana@north.example")
    assert user.is_staff and not user.is_superuser and user.check_password("pw-1234-long")
    first_token = out.strip().splitlines()[-1]
    assert user_token_find(secret=first_token).user == user
    assert Membership.objects.get(user=user).role == "operator"

    again = run("staff_add", "ana@north.example", "--org", "north", "--role", "viewer", "--token")
    assert "was operator" in again and user_token_find(secret=again.strip().splitlines()[-1]).user == user
    assert user_token_find(secret=first_token) is None  # a new token replaces the last: only one works
    assert Membership.objects.get(user=user).role == "viewer" and user.check_password("pw-1234-long")
    assert get_user_model().objects.filter(username__iexact="ana@north.example").count() == 1
    assert list(AuditRecord.objects.filter(organization__slug="north").values_list("to_state", flat=True)) == [
        "member_added", "member_role_changed"]


def test_staff_add_refuses_an_unknown_organisation_or_role_clearly():
    run("organization_add", "--slug", "north", "--name", "North", "--sender", "certs@north.example")
    with pytest.raises(CommandError, match="No organisation with the slug 'south' \\(known: north\\)"):
        run("staff_add", "ana@north.example", "--org", "south", "--role", "viewer")
    with pytest.raises(CommandError, match="invalid choice: 'boss'"):
        run("staff_add", "ana@north.example", "--org", "north", "--role", "boss")
    assert not get_user_model().objects.filter(username="ana@north.example").exists()


def test_the_upgrade_turns_each_global_group_into_memberships_of_every_organisation():
    import importlib

    from django.apps import apps
    from django.contrib.auth.models import Group

    from tests.factories.courses import OrganizationFactory, StaffUserFactory

    upgrade = importlib.import_module("courses.migrations.0009_groups_to_memberships")
    north, south = OrganizationFactory(slug="north"), OrganizationFactory(slug="south")
    groups = {name: Group.objects.create(name=name) for name in upgrade.GROUP_ROLES}
    operator = StaffUserFactory(username="op", is_superuser=False)
    both = StaffUserFactory(username="both", is_superuser=False)
    nobody = StaffUserFactory(username="nobody", is_superuser=False)
    operator.groups.add(groups["Credential operators"])
    both.groups.add(groups["Catalogue editors"], groups["Integration managers"])

    upgrade.groups_to_memberships(apps, None)

    held = set(Membership.objects.values_list("user__username", "organization__slug", "role"))
    assert held == {("op", "north", "operator"), ("op", "south", "operator"),
                    ("both", "north", "owner"), ("both", "south", "owner")}
    assert not Group.objects.filter(name__in=upgrade.GROUP_ROLES).exists()
    assert not Membership.objects.filter(user=nobody).exists()
