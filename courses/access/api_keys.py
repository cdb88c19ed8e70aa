"""Organisation API keys: making one (its secret shown once), finding one by its secret, revoking it.

A request made with a key acts as `ApiKeyPrincipal`: staff of the key's organisation only, with the
key's role, so courses/access/tenancy.py scopes every query and answers every permission check for it as for
a member with that role, and no view asks which kind of caller it has.
"""

import hmac
import secrets
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from audit.services import audit_record

from .secret_digest import secret_hash
from .membership import audit_actor
from ..models import ApiKey, Role
from ..models.api_keys import KEY_ROLES
from .tenancy import may, role_grants

PREFIX = "lk_"  # so a leaked key is found by a search for it (in logs, repositories, tickets)
SHOWN = 8  # characters after the prefix kept in clear, to tell keys apart in lists
TOUCH_EVERY = timedelta(minutes=1)


class ApiKeyError(ValueError):
    """A key that cannot be made as asked; the message says why."""


def api_key_create(*, organization, name: str, role: str = Role.VIEWER, created_by=None) -> tuple[ApiKey, str]:
    """A new key and its secret, which is shown to its maker once and never stored."""
    name = (name or "").strip()
    if not name:
        raise ApiKeyError("Give the key a name that says what calls with it, e.g. “Moodle sync”.")
    if role not in KEY_ROLES:
        allowed = ", ".join(KEY_ROLES)
        raise ApiKeyError(f"An API key's role is one of {allowed}; {role!r} is not.")
    secret = PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        api_key = ApiKey.objects.create(organization=organization, name=name[:100], role=role,
                                        prefix=secret[:len(PREFIX) + SHOWN], secret_hash=secret_hash(secret),
                                        created_by=created_by)
        audit_record(organization=organization, to_state="api_key_created", **audit_actor(created_by),
                     detail=f"API key “{api_key.name}” ({api_key.prefix}…) made with the {role} role.")
    return api_key, secret


def api_key_revoke(*, api_key: ApiKey, actor=None) -> bool:
    """Stops the key working from the next request; False if it already was revoked."""
    with transaction.atomic():
        changed = ApiKey.objects.filter(pk=api_key.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now(), revoked_by=actor)
        if changed:
            audit_record(organization=api_key.organization_id, to_state="api_key_revoked", **audit_actor(actor),
                         detail=f"API key “{api_key.name}” ({api_key.prefix}…) revoked.")
    api_key.refresh_from_db()
    return bool(changed)


def api_key_find(*, secret: str) -> ApiKey | None:
    """The live key whose secret this is, or None (unknown or revoked)."""
    if not secret.startswith(PREFIX):
        return None
    digest = secret_hash(secret)
    # The lookup by hash reveals nothing of the secret; the hash found is compared again in constant time.
    api_key = ApiKey.objects.select_related("organization").filter(secret_hash=digest, revoked_at__isnull=True).first()
    if api_key is None or not hmac.compare_digest(api_key.secret_hash, digest):
        return None
    return api_key


def api_key_touch(*, api_key: ApiKey, now=None) -> None:
    """Records that the key was used, at most once a minute: within it, not even an UPDATE is sent (on
    SQLite one that matches no row still takes the write lock); past it, a conditional one, so two
    requests at once write once."""
    now = now or timezone.now()
    if api_key.last_used_at is not None and now - api_key.last_used_at < TOUCH_EVERY:
        return
    stale = Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - TOUCH_EVERY)
    if ApiKey.objects.filter(stale, pk=api_key.pk).update(last_used_at=now):
        api_key.last_used_at = now


class ApiKeyPrincipal:
    """Who a request made with an API key is: staff of the key's organisation, holding the key's role."""

    is_active = is_staff = is_authenticated = True
    is_superuser = is_anonymous = False
    pk = id = None  # no user row: audit records name the key in their label

    def __init__(self, api_key: ApiKey):
        self.api_key = api_key

    def __str__(self):
        return self.get_username()

    def get_username(self) -> str:
        return f"API key {self.api_key.name} ({self.api_key.prefix}…)"

    def has_perm(self, perm: str, obj=None) -> bool:
        if obj is not None:
            return may(self, perm, obj)
        return role_grants(self.api_key.role, perm)

    def has_perms(self, perm_list, obj=None) -> bool:
        return all(self.has_perm(perm, obj) for perm in perm_list)

    def has_module_perms(self, app_label: str) -> bool:
        return False  # a key never opens the admin
