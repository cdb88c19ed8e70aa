"""Sign-in rules: an organisation's owners say which identity provider claims give which role; the
claims at each sign-in keep the memberships the rules made in step (courses/access/sign_in.py)."""

import io

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.test import Client

from audit.models import AuditRecord
from courses.access.sign_in import SignInRefused, sign_in_memberships_apply, sign_in_roles_for
from courses.models import Membership, SignInRule
from tests.factories.courses import OrganizationFactory, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme():
    return OrganizationFactory(slug="acme", name="Acme Training")


def rule(organization, value, role, claim="groups"):
    return SignInRule.objects.create(organization=organization, claim=claim, value=value, role=role)


def test_it_matches_a_value_in_a_list_claim_or_equal_to_a_single_one(acme):
    other = OrganizationFactory(slug="other")
    rule(acme, "laurel-editors", "editor")
    rule(other, "Sales", "viewer", claim="department")

    roles = sign_in_roles_for(claims={"groups": ["staff", "laurel-editors"], "department": "Sales"})

    assert {organization_id: role for organization_id, (role, _) in roles.items()} == {acme.pk: "editor", other.pk: "viewer"}


def test_it_ignores_values_that_are_not_text_and_claims_no_rule_names(acme):
    rule(acme, "True", "owner", claim="admin")
    rule(acme, "laurel-editors", "editor")

    assert sign_in_roles_for(claims={"admin": True, "groups": {"laurel-editors": 1}, "roles": ["laurel-editors"]}) == {}


def test_it_gives_the_role_that_may_do_most_when_several_rules_match(acme):
    rule(acme, "staff", "viewer")
    rule(acme, "laurel-operators", "operator")

    roles = sign_in_roles_for(claims={"groups": ["laurel-operators", "staff"]})

    assert roles[acme.pk][0] == "operator"


def test_it_removes_even_the_last_owner_when_the_provider_stops_backing_them(acme):
    rule(acme, "laurel-owners", "owner")
    sign_in_memberships_apply(email="boss@example.org", claims={"groups": ["laurel-owners"]})

    with pytest.raises(SignInRefused):
        sign_in_memberships_apply(email="boss@example.org", claims={"groups": []})

    assert not Membership.objects.filter(organization=acme).exists()
    assert AuditRecord.objects.filter(organization=acme, to_state="member_removed",
                                      detail__contains="no sign-in rule matches").exists()


def test_it_makes_no_user_for_claims_that_give_nothing(acme):
    rule(acme, "laurel-editors", "editor")

    with pytest.raises(SignInRefused):
        sign_in_memberships_apply(email="stranger@example.org", claims={"groups": ["marketing"]})

    assert not User.objects.filter(email="stranger@example.org").exists()


def test_it_refuses_an_email_two_accounts_share_rather_than_pick_one(acme):
    rule(acme, "laurel-editors", "editor")
    User.objects.create_user("alice", email="alice@example.org", is_staff=True)
    User.objects.create_user("alice2", email="Alice@Example.org", is_staff=True)

    with pytest.raises(SignInRefused, match="More than one Laurel account has the email address alice@example.org"):
        sign_in_memberships_apply(email="alice@example.org", claims={"groups": ["laurel-editors"]})

    assert not Membership.objects.exists()


def owner_client(organization) -> Client:
    owner = User.objects.create_user(f"owner@{organization.slug}.example", is_staff=True)
    member(owner, organization, "owner")
    client = Client()
    client.force_login(owner)
    return client


def test_it_lets_owners_write_rules_for_their_own_organisation_only_and_audits_them(acme):
    other = OrganizationFactory(slug="other")
    theirs = rule(other, "other-staff", "owner")
    client = owner_client(acme)

    added = client.post("/admin/courses/signinrule/add/",
                        {"organization": acme.pk, "claim": "groups", "value": "laurel-editors", "role": "editor"})
    refused = client.post("/admin/courses/signinrule/add/",
                          {"organization": other.pk, "claim": "groups", "value": "mine-now", "role": "owner"})

    assert added.status_code == 302
    assert SignInRule.objects.filter(organization=acme, value="laurel-editors", role="editor").exists()
    assert refused.status_code == 200 and not SignInRule.objects.filter(value="mine-now").exists()
    assert AuditRecord.objects.filter(organization=acme, to_state="sign_in_rule_added",
                                      actor_label="owner@acme.example").exists()
    listing = client.get("/admin/courses/signinrule/").content.decode()
    assert "laurel-editors" in listing and "other-staff" not in listing
    assert client.get(f"/admin/courses/signinrule/{theirs.pk}/change/").status_code in (302, 404)


@pytest.mark.parametrize("role", ["editor", "operator", "viewer", "facilitator"])
def test_it_keeps_sign_in_rules_from_every_role_below_owner(acme, role):
    user = User.objects.create_user(f"{role}@acme.example", is_staff=True)
    member(user, acme, role)
    client = Client()
    client.force_login(user)

    assert client.get("/admin/courses/signinrule/").status_code == 403
    assert client.post("/admin/courses/signinrule/add/", {"organization": acme.pk, "claim": "groups",
                                                          "value": "x", "role": "owner"}).status_code == 403
    assert not SignInRule.objects.exists()


def test_it_refuses_a_claim_name_with_spaces_or_markup(acme):
    client = owner_client(acme)

    response = client.post("/admin/courses/signinrule/add/",
                           {"organization": acme.pk, "claim": "<b>groups</b>", "value": "x", "role": "viewer"})

    assert response.status_code == 200
    assert "A claim name: letters, digits" in response.content.decode()
    assert not SignInRule.objects.exists()


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_the_command_adds_changes_and_removes_a_rule_each_audited(acme):
    assert run("sign_in_rule_add", "--org", "acme", "--value", "laurel-editors", "--role", "editor") == \
        "groups = laurel-editors → editor in acme.\n"
    run("sign_in_rule_add", "--org", "acme", "--value", "laurel-editors", "--role", "operator")
    assert list(SignInRule.objects.values_list("claim", "value", "role")) == [("groups", "laurel-editors", "operator")]

    run("sign_in_rule_add", "--org", "acme", "--value", "laurel-editors", "--remove")

    assert not SignInRule.objects.exists()
    assert list(AuditRecord.objects.filter(organization=acme, to_state__startswith="sign_in_rule")
                .order_by("pk").values_list("to_state", flat=True)) == \
        ["sign_in_rule_added", "sign_in_rule_changed", "sign_in_rule_removed"]


def test_the_command_refuses_an_unknown_organisation_or_a_bad_claim_name_clearly(acme):
    with pytest.raises(CommandError, match="No organisation with the slug 'nowhere'"):
        run("sign_in_rule_add", "--org", "nowhere", "--value", "x", "--role", "viewer")
    with pytest.raises(CommandError, match="claim: A claim name"):
        run("sign_in_rule_add", "--org", "acme", "--claim", "two words", "--value", "x", "--role", "viewer")


def test_owners_see_which_memberships_a_rule_made(acme):
    rule(acme, "laurel-editors", "editor")
    sign_in_memberships_apply(email="alice@example.org", claims={"groups": ["laurel-editors"]})
    client = owner_client(acme)

    def listed(query):
        return {m.user.username for m in client.get(f"/admin/courses/membership/?{query}").context["cl"].result_list}

    assert listed("from_sign_in__exact=1") == {"alice@example.org"}
    assert listed("from_sign_in__exact=0") == {"owner@acme.example"}
