"""Staff who sign in through the identity provider: their claims, read against every organisation's
sign-in rules, give their memberships (docs/sign-in.md).

Only memberships a rule made (`Membership.from_sign_in`) follow the claims: a rule that matches makes
or changes one, a rule that stops matching removes it (audited, like an owner's change), the last owner
included. Memberships made by hand (invitations, `staff_add`) are never touched here.
"""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction

from ..models import Membership, Role, SignInRule
from .membership import _audit, _email

# When several rules of one organisation match, the role that may do most wins.
ROLE_RANK = [Role.FACILITATOR, Role.VIEWER, Role.OPERATOR, Role.EDITOR, Role.OWNER]


class SignInRefused(Exception):
    """A sign-in Laurel will not complete; the message is shown to the person as it is."""


@dataclass(frozen=True)
class SignInResult:
    user: object
    user_created: bool
    memberships: list[Membership]


def _claim_values(claims: dict, name: str) -> list[str]:
    value = claims.get(name)
    if isinstance(value, (list, tuple)):
        return [str(item) for item in value if isinstance(item, (str, int)) and not isinstance(item, bool)]
    if isinstance(value, (str, int)) and not isinstance(value, bool):
        return [str(value)]
    return []


def sign_in_roles_for(*, claims: dict) -> dict[int, tuple[str, SignInRule]]:
    """Organisation id → (role, the rule that gave it), for every organisation whose rules `claims` match."""
    names = {name for name in SignInRule.objects.values_list("claim", flat=True).distinct() if name in claims}
    roles: dict[int, tuple[str, SignInRule]] = {}
    for rule in SignInRule.objects.filter(claim__in=names).order_by("pk"):
        if rule.value not in _claim_values(claims, rule.claim):
            continue
        held = roles.get(rule.organization_id)
        if held is None or ROLE_RANK.index(rule.role) > ROLE_RANK.index(held[0]):
            roles[rule.organization_id] = (rule.role, rule)
    return roles


NO_ROLE = ("Your identity provider signed you in, but nothing it says about you gives you a role in any "
           "organisation on Laurel. Ask your organisation's Laurel owner to add a sign-in rule for your group.")


def sign_in_memberships_apply(*, email: str, claims: dict) -> SignInResult:
    """The staff user `email` (made on first sign-in) with the memberships the claims give.

    Refused when the claims give no membership and the person has none made by hand: no user is made,
    and the memberships earlier claims gave are removed."""
    email = _email(email)
    roles = sign_in_roles_for(claims=claims)
    User = get_user_model()
    same_email = list(User.objects.filter(email__iexact=email)[:2]) or list(User.objects.filter(username__iexact=email))
    if len(same_email) > 1:
        raise SignInRefused(f"More than one Laurel account has the email address {email}, so Laurel cannot tell which "
                            "is yours. Ask an operator to remove or change the one that is not.")
    user = same_email[0] if same_email else None
    if user is not None and user.is_superuser:
        raise SignInRefused("Operators (superusers) sign in with their Laurel password and two-factor code, "
                            "not through the identity provider.")
    if user is not None and not user.is_active:
        raise SignInRefused("This Laurel account is switched off. Ask your organisation's Laurel owner.")
    if user is None and not roles:
        raise SignInRefused(NO_ROLE)
    with transaction.atomic():
        user_created = user is None
        if user_created:
            user = User(username=email, email=email, is_staff=True)
            user.set_unusable_password()  # the provider is how this person signs in
            user.save()
        _memberships_follow(user=user, email=email, roles=roles)
        memberships = list(Membership.objects.filter(user=user).select_related("organization"))
    if not memberships:
        raise SignInRefused(NO_ROLE)
    if not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    return SignInResult(user=user, user_created=user_created, memberships=memberships)


def _memberships_follow(*, user, email: str, roles: dict[int, tuple[str, SignInRule]]) -> None:
    by_hand = set(Membership.objects.filter(user=user, from_sign_in=False).values_list("organization_id", flat=True))
    for organization_id, (role, rule) in roles.items():
        if organization_id in by_hand:
            continue
        membership = Membership.objects.filter(user=user, organization_id=organization_id).first()
        if membership is None:
            membership = Membership.objects.create(user=user, organization_id=organization_id, role=role, from_sign_in=True)
            _audit(organization=membership.organization, to_state="member_added",
                   detail=f"{email} joined {membership.organization.slug} as {role} by the sign-in rule "
                          f"{rule.claim} = {rule.value}.")
        elif membership.role != role:
            was, membership.role = membership.role, role
            membership.save(update_fields=["role", "updated_at"])
            _audit(organization=membership.organization, to_state="member_role_changed", from_state=was,
                   detail=f"{email}: {was} → {role} in {membership.organization.slug} by the sign-in rule "
                          f"{rule.claim} = {rule.value}.")
    # The provider is the authority for these memberships: one it no longer backs goes, even an
    # organisation's last owner (an operator adds another with `staff_add`); keeping it would leave a
    # person the organisation removed from its group in charge.
    for membership in Membership.objects.filter(user=user, from_sign_in=True).exclude(organization_id__in=roles) \
            .select_related("organization"):
        _audit(organization=membership.organization, to_state="member_removed", from_state=membership.role,
               detail=f"{email} ({membership.role}) removed from {membership.organization.slug}: no sign-in rule "
                      "matches their claims any more.")
        membership.delete()


def sign_in_rule_save(*, rule: SignInRule, actor=None) -> SignInRule:
    """An owner's new or changed rule, audited: it decides who may act for the organisation."""
    created = rule.pk is None
    rule.full_clean()
    rule.save()
    _audit(organization=rule.organization, to_state="sign_in_rule_added" if created else "sign_in_rule_changed",
           actor=actor, detail=f"Sign-in rule {rule.claim} = {rule.value} → {rule.role} in {rule.organization.slug}.")
    return rule


def sign_in_rule_delete(*, rule: SignInRule, actor=None) -> None:
    """Removing a rule; the memberships it made go at each member's next sign-in."""
    _audit(organization=rule.organization, to_state="sign_in_rule_removed", actor=actor,
           detail=f"Sign-in rule {rule.claim} = {rule.value} → {rule.role} removed from {rule.organization.slug}.")
    rule.delete()
