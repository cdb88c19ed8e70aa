"""Organisation API keys: a named, revocable credential an integration calls the staff API with."""

from django.conf import settings
from django.db import models

from .memberships import Membership, Role
from .organizations import Organization

# A key acts in one role; never the owner's (members, signing keys, sources and connections stay with
# people), nor a facilitator's (roster forms are pages, not API calls).
KEY_ROLES = [Role.VIEWER, Role.OPERATOR, Role.EDITOR]


class ApiKey(models.Model):
    """One organisation's key for one integration. The secret is shown once; only its SHA-256 is kept."""

    Role = Role

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, verbose_name="organisation", related_name="api_keys")
    name = models.CharField(max_length=100, help_text="What calls with it, e.g. “Moodle sync”.")
    role = models.CharField(
        max_length=20, choices=[(role.value, role.label) for role in KEY_ROLES], default=Role.VIEWER,
        help_text="What the key may do in its organisation, as a member with that role could. Viewer: read only; "
                  "operator: also resume issuances and revoke, suspend or restore credentials.",
    )
    prefix = models.CharField(max_length=16, unique=True, editable=False,
                              help_text="The key's first characters, to tell keys apart (and find a leaked one).")
    secret_hash = models.CharField(max_length=64, unique=True, editable=False, help_text="SHA-256 of the whole key.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False,
                                        help_text="To the minute: a busy key is not written on every request.")
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", editable=False)

    class Meta:
        ordering = ["organization__name", "name", "-created_at"]
        verbose_name = "API key"

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"


class UserToken(models.Model):
    """A staff user's token for the API (`Authorization: Token …`). The token is shown once; only its SHA-256 is kept."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_token")
    prefix = models.CharField(max_length=16, editable=False,
                              help_text="The token's first characters, to tell tokens apart (and find a leaked one).")
    secret_hash = models.CharField(max_length=64, unique=True, editable=False, help_text="SHA-256 of the whole token.")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False,
                                        help_text="To the minute: a busy token is not written on every request.")

    class Meta:
        ordering = ["user__username"]
        verbose_name = "user API token"

    def __str__(self):
        return f"{self.user} ({self.prefix}…)"

    @classmethod
    def organization_scope(cls, queryset, organizations):
        """A token belongs to the organisations its user is a member of (courses/access/tenancy.py); no role
        grants its permissions, so only superusers see tokens, but scoping keeps the admin's 404s alike."""
        members = Membership.objects.filter(organization__in=organizations).values("user_id")
        return queryset.filter(user_id__in=members)
