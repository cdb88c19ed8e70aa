"""Who works for which organisation, in which role: memberships and the invitations that make them."""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models

from .courses import Course
from .organizations import Organization


class Role(models.TextChoices):
    """What a member may do in one organisation (the permissions of each: courses/access/roles.py)."""

    OWNER = "owner", "Owner"
    EDITOR = "editor", "Editor"
    OPERATOR = "operator", "Operator"
    VIEWER = "viewer", "Viewer"
    FACILITATOR = "facilitator", "Facilitator"


class Membership(models.Model):
    """One user in one organisation with one role. A user may be a member of several organisations."""

    Role = Role

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, verbose_name="organisation", related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    courses = models.ManyToManyField(
        Course, blank=True, related_name="facilitator_memberships",
        help_text="Facilitators only: the courses they may type completions in for. Ignored for other roles.",
    )
    from_sign_in = models.BooleanField(
        "made by a sign-in rule", default=False, editable=False,
        help_text="Made by a sign-in rule: kept in step with the identity provider's claims at each sign-in, "
                  "removed when they stop matching. Memberships made by hand are never changed by sign-in.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["organization__name", "user__username"]
        constraints = [models.UniqueConstraint(fields=["user", "organization"], name="one_membership_per_organization")]

    def __str__(self):
        return f"{self.user} · {self.organization} ({self.get_role_display()})"


class Invitation(models.Model):
    """An owner's invitation to join an organisation in a role, accepted through an expiring link."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, verbose_name="organisation", related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=20, choices=Role.choices)
    courses = models.ManyToManyField(Course, blank=True, related_name="+", help_text="Facilitators only.")
    token_hash = models.CharField(max_length=64, unique=True, editable=False,
                                  help_text="SHA-256 of the link's token; the token itself is only in the email.")
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.email} → {self.organization} ({self.get_role_display()})"


class SignInRule(models.Model):
    """An organisation's rule for staff who sign in through the identity provider (docs/sign-in.md): a
    claim with this value makes them a member in this role. The owners write the rules; Laurel keeps the
    memberships the rules made in step with the claims at every sign-in."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, verbose_name="organisation", related_name="sign_in_rules")
    claim = models.CharField(
        max_length=100, default="groups",
        validators=[RegexValidator(r"^[A-Za-z0-9_.:/-]+$", "A claim name: letters, digits and _ . : / - only.")],
        help_text="The name of the claim in the provider's ID token or user info, e.g. groups or roles.",
    )
    value = models.CharField(
        max_length=200,
        help_text="The value that gives the role: equal to the claim, or one of its values when the claim is a list.",
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organization__name", "claim", "value"]
        constraints = [models.UniqueConstraint(fields=["organization", "claim", "value"], name="one_sign_in_rule_per_claim_value")]

    def __str__(self):
        return f"{self.claim} = {self.value} → {self.get_role_display()} in {self.organization}"
