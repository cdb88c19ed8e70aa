"""Making an outside effect at most once per idempotency key: record the attempt, act, record the outcome."""

from collections.abc import Callable
from contextlib import nullcontext

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from .models import Effect, Issuance
from .outcome_write import outcome_write


def _effect_begin(*, issuance: Issuance, key: str, kind: str) -> tuple[Effect, bool]:
    """The effect's row, recorded as being attempted (again), and whether this is its first attempt."""
    try:
        # A first attempt is the usual case: its row is inserted already attempting, in one statement.
        # Outside a transaction that INSERT commits alone (no BEGIN and COMMIT around it); inside one, a
        # savepoint keeps the caller's transaction usable after a duplicate key.
        with transaction.atomic() if transaction.get_connection().in_atomic_block else nullcontext():
            return Effect.objects.create(key=key, issuance=issuance, kind=kind, status=Effect.Status.ATTEMPTING,
                                         attempts=1, started_at=timezone.now()), True
    except IntegrityError:
        with transaction.atomic():
            effect = Effect.objects.filter(key=key).first()
            if effect is None:  # refused for another reason than the key
                raise
            if effect.status != Effect.Status.DONE:
                Effect.objects.filter(pk=effect.pk).update(
                    status=Effect.Status.ATTEMPTING, attempts=F("attempts") + 1, started_at=timezone.now(), outcome=""
                )
            return effect, False


def effect_perform(*, issuance: Issuance, key: str, kind: str, perform: Callable[[], str],
                   perform_first: Callable[[], str] | None = None) -> Effect:
    """Run `perform` unless an earlier run's outcome for `key` is recorded done.

    `perform_first`, if given, runs instead on the key's first attempt, when no earlier attempt can
    have left anything behind (it may skip looking for what one would have left).

    An attempt whose outcome was never recorded (the worker died mid-send) is made again: for a
    certificate, a rare duplicate email is better than a missing one. That is the one way a
    duplicate can still happen, and `attempts` shows it.
    """
    effect, first = _effect_begin(issuance=issuance, key=key, kind=kind)
    if effect.status == Effect.Status.DONE:
        return effect
    try:
        outcome = perform_first() if first and perform_first is not None else perform()
    except Exception as exc:
        Effect.objects.filter(pk=effect.pk).update(
            status=Effect.Status.FAILED, outcome=f"{type(exc).__name__}: {exc}"[:2000], finished_at=timezone.now()
        )
        raise
    done = {"status": Effect.Status.DONE, "outcome": outcome[:2000], "finished_at": timezone.now()}
    outcome_write(lambda: Effect.objects.filter(pk=effect.pk).update(**done))
    if first:  # nobody else has touched the row: it is what was inserted plus `done`
        for name, value in done.items():
            setattr(effect, name, value)
    else:
        effect.refresh_from_db()
    return effect
