"""Staff users' API tokens (`Authorization: Token …`): made with the token shown once, kept as its SHA-256 only.

A user has at most one token; making one replaces the last. Tokens made before they were hashed (40 hex
characters, by Django REST framework) were converted to their digest by a migration and keep working.
"""

import hmac
import secrets

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ..models import UserToken
from .api_keys import TOUCH_EVERY
from .secret_digest import secret_hash

PREFIX = "lu_"  # so a leaked token is found by a search for it, and told from an organisation's key (lk_)
SHOWN = 8  # characters kept in clear, to tell tokens apart in lists


def user_token_create(*, user, secret: str | None = None) -> tuple[UserToken, str]:
    """A new token for the user, replacing any they had, and its secret, which is never stored.

    `secret` sets a chosen one (seed_demo's fixed demo token); otherwise one is drawn."""
    secret = secret or PREFIX + secrets.token_urlsafe(32)
    shown = len(PREFIX) + SHOWN if secret.startswith(PREFIX) else SHOWN
    digest = secret_hash(secret)
    with transaction.atomic():
        # A chosen secret someone else held moves to this user (secret_hash is unique).
        UserToken.objects.filter(Q(user=user) | Q(secret_hash=digest)).delete()
        token = UserToken.objects.create(user=user, prefix=secret[:shown], secret_hash=digest)
    return token, secret


def user_token_find(*, secret: str) -> UserToken | None:
    """The token whose secret this is, with its user, or None."""
    if not secret:
        return None
    digest = secret_hash(secret)
    token = UserToken.objects.select_related("user").filter(secret_hash=digest).first()
    if token is None or not hmac.compare_digest(token.secret_hash, digest):
        return None
    return token


def user_token_touch(*, token: UserToken, now=None) -> None:
    """Records that the token was used, at most once a minute (as an organisation's API key is)."""
    now = now or timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < TOUCH_EVERY:
        return
    stale = Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - TOUCH_EVERY)
    if UserToken.objects.filter(stale, pk=token.pk).update(last_used_at=now):
        token.last_used_at = now
