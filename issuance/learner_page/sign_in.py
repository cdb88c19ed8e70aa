"""Signing in to /me: a request answered the same for any address, and a single-use link the worker emails.

The request view does the same work whatever the address: it checks the hourly limits, writes one
row and queues one task. Only the worker learns whether the address holds credentials; for an
unknown one it clears the address and sends nothing, so neither the answer nor its timing tells a
visitor which addresses Laurel knows.
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_q.tasks import async_task

from courses.access.secret_digest import secret_hash

from ..models import Learner, LearnerSignIn
from ..privacy.subject import email_normalise
from ..step_queue import queue_broker
from .emails import sign_in_email_send

ADDRESS_HOURLY_LIMIT = 5
CLIENT_HOURLY_LIMIT = 30
KEEP_ROWS = timedelta(days=1)  # past the hourly windows and any link's life


@dataclass(frozen=True)
class SignInAnswer:
    accepted: bool
    retry_after: int = 0  # seconds, when refused by a limit


def _digest(kind: str, value: str) -> str:
    # Keyed, so the digests of a list of guessed addresses cannot be compared with the table.
    return hmac.new(settings.SECRET_KEY.encode(), f"laurel-me:{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def learner_address_known(*, address: str) -> bool:
    return Learner.objects.filter(email__iexact=address, erased_at__isnull=True).exists()


def _retry_after(*, oldest, now) -> int:
    return max(1, int((oldest + timedelta(hours=1) - now).total_seconds()))


def sign_in_request(*, address: str, client: str) -> SignInAnswer:
    """Count the request against both hourly limits and queue the link's email; the same for any address."""
    address = email_normalise(address)
    now = timezone.now()
    hour_ago = now - timedelta(hours=1)
    address_digest, client_digest = _digest("address", address), _digest("client", client)
    for field, digest, limit in (("address_digest", address_digest, ADDRESS_HOURLY_LIMIT),
                                 ("client_digest", client_digest, CLIENT_HOURLY_LIMIT)):
        recent = list(LearnerSignIn.objects.filter(**{field: digest}, created_at__gt=hour_ago)
                      .order_by("-created_at").values_list("created_at", flat=True)[:limit])
        if len(recent) >= limit:
            return SignInAnswer(False, _retry_after(oldest=recent[-1], now=now))
    with transaction.atomic():
        LearnerSignIn.objects.filter(created_at__lt=now - KEEP_ROWS).delete()
        row = LearnerSignIn.objects.create(address=address, address_digest=address_digest, client_digest=client_digest)
        transaction.on_commit(lambda: async_task("issuance.learner_page.tasks.sign_in_link_send_task", row.pk,
                                                 broker=queue_broker()))
    return SignInAnswer(True)


def sign_in_link_send(*, request_id: int) -> str:
    """The worker's half: email a link if the address holds credentials, else forget the address. Runs once per row."""
    now = timezone.now()
    claimed = LearnerSignIn.objects.filter(pk=request_id, processed_at__isnull=True).update(processed_at=now)
    row = LearnerSignIn.objects.filter(pk=request_id).first()
    if not claimed or row is None:
        return "already handled"
    learner = (Learner.objects.filter(email__iexact=row.address, erased_at__isnull=True)
               .select_related("organization").order_by("-created_at").first()) if row.address else None
    if learner is None:
        LearnerSignIn.objects.filter(pk=row.pk).update(address="")
        return "no credentials at this address: nothing sent"
    token = secrets.token_urlsafe(32)
    expires_at = now + timedelta(minutes=settings.LAUREL_ME_LINK_MINUTES)
    LearnerSignIn.objects.filter(pk=row.pk).update(token_hash=secret_hash(token), expires_at=expires_at)
    url = settings.LAUREL_BASE_URL + reverse("learner-sign-in", args=[token])
    result = sign_in_email_send(learner=learner, request_id=row.pk, url=url, expires_at=expires_at)
    return f"sign-in link emailed: {result}"


def sign_in_redeem(*, token: str) -> str | None:
    """The address the link was sent to, once: a used, expired or unknown token gives None."""
    if not token or len(token) > 100:
        return None
    digest = secret_hash(token)
    now = timezone.now()
    with transaction.atomic():
        used = LearnerSignIn.objects.filter(token_hash=digest, used_at__isnull=True, expires_at__gt=now).update(used_at=now)
        if used != 1:
            return None
        row = LearnerSignIn.objects.get(token_hash=digest)
        address = row.address
        LearnerSignIn.objects.filter(pk=row.pk).update(address="")
    return address or None


def sign_in_link_usable(*, token: str) -> bool:
    """Whether the link would still sign in (the page shows its button, or says to ask again)."""
    if not token or len(token) > 100:
        return False
    return LearnerSignIn.objects.filter(token_hash=secret_hash(token), used_at__isnull=True,
                                        expires_at__gt=timezone.now()).exists()
