"""Organisations and their members: adding an organisation, adding staff, invitations, role changes.

Every change to who may act for an organisation is audited, with the organisation, so its owners
see it in their audit trail. The commands (`organization_add`, `staff_add`) and the owners' admin
pages call these.
"""

import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from audit.services import audit_record

from ..defaults import organization_install_default_templates
from .secret_digest import secret_hash
from ..models import Course, Invitation, Membership, Organization, Role

INVITATION_DAYS = 7


class MembershipError(ValueError):
    """A request about members that cannot be done as asked; the message says why."""


def audit_actor(actor) -> dict:
    """Who an audit record names: the staff user `actor`, or the system when there is none."""
    if actor is None:
        return {"actor_kind": "system", "actor_label": "system"}
    return {"actor_kind": "staff", "actor_label": actor.get_username()[:200], "actor_user": actor}


def _audit(*, organization, to_state: str, detail: str, actor=None, from_state: str = "") -> None:
    audit_record(organization=organization, to_state=to_state, from_state=from_state, detail=detail, **audit_actor(actor))


def _email(value: str) -> str:
    email = (value or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise MembershipError(f"{value!r} is not an email address.") from None
    return email


def _role(value: str) -> str:
    if value not in Role.values:
        raise MembershipError(f"Unknown role {value!r}; one of {', '.join(Role.values)}.")
    return value


@transaction.atomic
def organization_add(*, slug: str, name: str, sender: str, website: str | None = None) -> tuple[Organization, bool]:
    """Create or update the organisation `slug` with what a new one needs: its templates and signing key
    (made when it is created). Status lists are opened by the caller (they are the pipeline's)."""
    sender = _email(sender)
    fields = {"name": name.strip(), "sender_email": sender}
    if not fields["name"]:
        raise MembershipError("--name is empty.")
    if website is not None:
        fields["website"] = website
    organization = Organization.objects.filter(slug=slug).first()
    created = organization is None
    if created:
        organization = Organization(slug=slug, sender_name=fields["name"], notification_email=sender, **fields)
    else:
        for field, value in fields.items():
            setattr(organization, field, value)
    try:
        organization.full_clean()
    except ValidationError as exc:
        raise MembershipError("; ".join(f"{field}: {' '.join(errors)}" for field, errors in exc.message_dict.items())) from None
    organization.save()
    organization_install_default_templates(organization=organization)
    return organization, created


@dataclass(frozen=True)
class StaffAdded:
    user: object
    membership: Membership
    user_created: bool
    role_was: str | None


@transaction.atomic
def staff_add(*, email: str, organization: Organization, role: str, password: str | None = None,
              courses: list[Course] | None = None, actor=None) -> StaffAdded:
    """Create or update the staff user whose username is `email`, and their membership in `organization`."""
    email, role = _email(email), _role(role)
    User = get_user_model()
    user = User.objects.filter(username__iexact=email).first()
    user_created = user is None
    if user_created:
        user = User(username=email, email=email, is_staff=True)
        user.set_password(password) if password else user.set_unusable_password()
        user.save()
    else:
        changed = []
        if not user.is_staff:
            user.is_staff, changed = True, changed + ["is_staff"]
        if password:
            user.set_password(password)
            changed.append("password")
        if changed:
            user.save(update_fields=changed)
    membership = Membership.objects.filter(user=user, organization=organization).first()
    role_was = membership.role if membership else None
    if membership is None:
        membership = Membership.objects.create(user=user, organization=organization, role=role)
        _audit(organization=organization, to_state="member_added", actor=actor,
               detail=f"{email} joined {organization.slug} as {role}.")
    elif membership.role != role:
        member_role_change(membership=membership, role=role, actor=actor)
    if courses is not None:
        membership.courses.set([c for c in courses if c.organization_id == organization.pk])
    return StaffAdded(user=user, membership=membership, user_created=user_created, role_was=role_was)


def _one_owner_stays(membership: Membership, *, new_role: str | None) -> None:
    if membership.role == Role.OWNER and new_role != Role.OWNER and not Membership.objects.filter(
            organization=membership.organization_id, role=Role.OWNER).exclude(pk=membership.pk).exists():
        raise MembershipError(f"{membership.user} is the last owner of {membership.organization}; make someone else "
                              "owner first.")


@transaction.atomic
def member_role_change(*, membership: Membership, role: str, actor=None) -> Membership:
    role = _role(role)
    if membership.role == role:
        return membership
    _one_owner_stays(membership, new_role=role)
    was = membership.role
    membership.role = role
    membership.save(update_fields=["role", "updated_at"])
    _audit(organization=membership.organization, to_state="member_role_changed", from_state=was[:20], actor=actor,
           detail=f"{membership.user}: {was} → {role} in {membership.organization.slug}.")
    return membership


@transaction.atomic
def member_remove(*, membership: Membership, actor=None) -> None:
    _one_owner_stays(membership, new_role=None)
    _audit(organization=membership.organization, to_state="member_removed", from_state=membership.role, actor=actor,
           detail=f"{membership.user} ({membership.role}) removed from {membership.organization.slug}.")
    membership.delete()


@transaction.atomic
def invitation_create(*, organization: Organization, email: str, role: str, invited_by, courses=()) -> tuple[Invitation, str]:
    """A new invitation and its token (shown only in the link sent by email; stored hashed)."""
    email, role = _email(email), _role(role)
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        organization=organization, email=email, role=role, token_hash=secret_hash(token), invited_by=invited_by,
        expires_at=timezone.now() + timedelta(days=INVITATION_DAYS))
    invitation.courses.set([c for c in courses if c.organization_id == organization.pk])
    _audit(organization=organization, to_state="member_invited", actor=invited_by,
           detail=f"{email} invited to {organization.slug} as {role}; the link expires {invitation.expires_at:%Y-%m-%d %H:%M} UTC.")
    return invitation, token


def invitation_find(*, token: str) -> Invitation | None:
    """The open invitation this token is for, or None (unknown, used, revoked or expired)."""
    invitation = Invitation.objects.select_related("organization").filter(token_hash=secret_hash(token)).first()
    if invitation is None or invitation.accepted_at or invitation.revoked_at or invitation.expires_at <= timezone.now():
        return None
    return invitation


@transaction.atomic
def invitation_accept(*, invitation: Invitation, password: str | None = None, user=None) -> StaffAdded:
    """The invited person joins: as the signed-in user, or as a new user with `password`."""
    invitation = Invitation.objects.select_for_update(no_key=True).get(pk=invitation.pk)
    if invitation.accepted_at or invitation.revoked_at or invitation.expires_at <= timezone.now():
        raise MembershipError("This invitation has been used, withdrawn or has expired; ask for a new one.")
    if user is not None and user.is_authenticated and user.email.lower() != invitation.email:
        raise MembershipError(f"This invitation is for {invitation.email}; you are signed in as {user.email or user}.")
    added = staff_add(email=invitation.email, organization=invitation.organization, role=invitation.role,
                      password=password, courses=list(invitation.courses.all()) or None, actor=None)
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = added.user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    _audit(organization=invitation.organization, to_state="member_joined", actor=added.user,
           detail=f"{invitation.email} accepted the invitation to {invitation.organization.slug} as {invitation.role}.")
    return added


def invitation_withdraw(*, invitation: Invitation, actor=None) -> None:
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    _audit(organization=invitation.organization, to_state="member_uninvited", actor=actor,
           detail=f"The invitation of {invitation.email} to {invitation.organization.slug} was withdrawn.")
