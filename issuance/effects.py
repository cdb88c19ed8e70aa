"""Making an outside effect at most once per idempotency key: record the attempt, act, record the outcome."""

from collections.abc import Callable

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .models import Effect, Issuance


def effect_perform(*, issuance: Issuance, key: str, kind: str, perform: Callable[[], str]) -> Effect:
    """Run `perform` unless an earlier run's outcome for `key` is recorded done.

    An attempt whose outcome was never recorded (the worker died mid-send) is made again: for a
    certificate, a rare duplicate email is better than a missing one. That is the one way a
    duplicate can still happen, and `attempts` shows it.
    """
    with transaction.atomic():
        effect, _ = Effect.objects.get_or_create(key=key, defaults={"issuance": issuance, "kind": kind})
        if effect.status == Effect.Status.DONE:
            return effect
        Effect.objects.filter(pk=effect.pk).update(
            status=Effect.Status.ATTEMPTING, attempts=F("attempts") + 1, started_at=timezone.now(), outcome=""
        )
    try:
        outcome = perform()
    except Exception as exc:
        Effect.objects.filter(pk=effect.pk).update(
            status=Effect.Status.FAILED, outcome=f"{type(exc).__name__}: {exc}"[:2000], finished_at=timezone.now()
        )
        raise
    Effect.objects.filter(pk=effect.pk).update(status=Effect.Status.DONE, outcome=outcome[:2000], finished_at=timezone.now())
    effect.refresh_from_db()
    return effect
