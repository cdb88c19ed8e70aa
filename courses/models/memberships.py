"""Who works for which organisation, in which role: memberships and the invitations that make them."""

from django.conf import settings
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
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    courses = models.ManyToManyField(
        Course, blank=True, related_name="facilitator_memberships",
        help_text="Facilitators only: the courses they may type completions in for. Ignored for other roles.",
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

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="invitations")
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
