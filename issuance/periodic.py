"""Periodic work's own budget, so housekeeping can never occupy every worker (#28, ADR 0010).

Every scheduled task (issuance/schedules.py) runs inside `periodic_run`:

- one run of a task at a time: a run that finds the previous one still going returns at once, instead
  of taking a second worker to wait on the same rows;
- at most LAUREL_PERIODIC_WORKERS periodic runs at once on each worker host (one fewer than its
  cluster's workers), so at least one worker of every host is always free for issuance steps;
- a time budget (LAUREL_PERIODIC_BUDGET_SECONDS): the task works in batches that commit as they go
  and stops between batches once the budget is spent; the next run carries on. A single statement
  that runs past the budget is ended by the database (PostgreSQL's statement_timeout, SQLite's
  progress handler), so no query can hold a worker for long, whatever the data.

The leases live in the shared cache (Redis in production, the database cache in the embedded profile)
and expire on their own, so a worker killed mid-run holds nothing for long.
"""

import os
import sqlite3
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db import connection

LEASE_PREFIX = "laurel:periodic:"
_current: ContextVar["Budget | None"] = ContextVar("laurel_periodic_budget", default=None)


@dataclass
class Budget:
    """Seconds a periodic run may spend; `spent()` is asked between batches."""

    seconds: float
    started: float = field(default_factory=time.monotonic)

    def left(self) -> float:
        return self.seconds - (time.monotonic() - self.started)

    def spent(self) -> bool:
        return self.left() <= 0


def periodic_budget() -> Budget:
    """The running periodic task's budget; outside one (a command, a test), a budget that never runs out."""
    return _current.get() or Budget(seconds=float("inf"))


def lease_seconds() -> int:
    """How long a lease outlives a worker killed mid-run: the run's own task timeout, and a margin."""
    return int(settings.LAUREL_PERIODIC_BUDGET_SECONDS) + 60


def _lease_take(key: str, holder: str) -> bool:
    return cache.add(LEASE_PREFIX + key, holder, timeout=lease_seconds())


def _lease_give_back(key: str, holder: str) -> None:
    if cache.get(LEASE_PREFIX + key) == holder:
        cache.delete(LEASE_PREFIX + key)


def _slot_take(holder: str) -> str | None:
    """One of this worker host's periodic slots. The slots are per host (LAUREL_WORKER_HOST): the rule is
    that each cluster keeps a worker free for issuance steps; installation-wide slots let several hosts'
    schedules, all due at the same second, take turns at one slot, and a task that always lost the race
    (the outbound sweep, in the multi-host harness) was skipped minute after minute."""
    host = str(settings.LAUREL_WORKER_HOST)[:100]
    for slot in range(max(1, settings.LAUREL_PERIODIC_WORKERS)):
        if _lease_take(f"slot-{host}-{slot}", holder):
            return f"slot-{host}-{slot}"
    return None


@contextmanager
def _statements_bounded(budget: Budget) -> Iterator[None]:
    """End any single statement that would run past the budget (it raises; the batch rolls back)."""
    connection.ensure_connection()
    limit_ms = max(int(budget.left() * 1000), 1)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('statement_timeout', %s, false)", [str(limit_ms)])
        try:
            yield
        finally:
            if connection.connection is not None and not connection.needs_rollback:
                try:
                    with connection.cursor() as cursor:
                        cursor.execute("SELECT set_config('statement_timeout', '0', false)")
                except Exception:  # a broken connection is closed and replaced; it takes its setting with it
                    connection.close_if_unusable_or_obsolete()
        return
    if connection.vendor == "sqlite":
        raw = connection.connection
        raw.set_progress_handler(lambda: 1 if budget.spent() else 0, 100_000)
        try:
            yield
        finally:
            # The ORM broker closes old connections when it enqueues: the handler went with that one.
            with suppress(sqlite3.ProgrammingError):
                raw.set_progress_handler(None, 0)
        return
    yield


@contextmanager
def periodic_run(*, name: str, seconds: float | None = None) -> Iterator[Budget | None]:
    """Run one periodic task under its budget; yields None when it must not run now (see the docstring)."""
    if _current.get() is not None:  # a periodic task calling another: one lease, one budget
        yield _current.get()
        return
    holder = f"{os.getpid()}:{uuid.uuid4().hex}"
    if not _lease_take(f"task-{name}", holder):
        yield None
        return
    slot = _slot_take(holder)
    if slot is None:
        _lease_give_back(f"task-{name}", holder)
        yield None
        return
    budget = Budget(seconds=settings.LAUREL_PERIODIC_BUDGET_SECONDS if seconds is None else seconds)
    token = _current.set(budget)
    try:
        with _statements_bounded(budget):
            yield budget
    finally:
        _current.reset(token)
        _lease_give_back(slot, holder)
        _lease_give_back(f"task-{name}", holder)
