"""One poll of one source: take its lease, walk each scope's pages, store what is new, keep the cursor.

Each page's events and the cursor after it commit together, so a worker killed mid-poll leaves the
cursor at the last page it finished; the next poll fetches the unfinished page again and the
unique (source, external_id) constraint turns what it had already stored into "already known".
The lease is a conditional UPDATE on the source's `SourcePoll` row with an expiry: two workers
never poll one source at once, and a lease whose holder died lapses by itself.
"""

import logging
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from audit.services import audit_record

from ..models import CompletionEvent, PollCursor, Source, SourcePoll
from ..sources.polling import CursorState, PollBudget, PollBudgetSpent, PollError, PollWindow
from ..sources.registry import POLLERS
from .processing import completion_events_enqueue
from .receive import completion_events_known, completion_events_store

logger = logging.getLogger(__name__)


class PollNotPossible(Exception):
    """The source cannot be polled (no poller for its dialect, or its API is not configured)."""


@dataclass
class ScopeReport:
    scope: str
    found: int = 0
    known: int = 0
    new: int = 0
    event_ids: list = field(default_factory=list)  # the new events' ids
    external_ids: list = field(default_factory=list)  # every completion found, new or known


@dataclass
class PollReport:
    source: str
    outcome: str = "done"  # done, stopped (budget or rate limit), skipped (lease held), failed
    detail: str = ""
    requests: int = 0
    scopes: list[ScopeReport] = field(default_factory=list)

    @property
    def found(self) -> int:
        return sum(scope.found for scope in self.scopes)

    @property
    def known(self) -> int:
        return sum(scope.known for scope in self.scopes)

    @property
    def new(self) -> int:
        return sum(scope.new for scope in self.scopes)

    @property
    def event_ids(self) -> list:
        return [event_id for scope in self.scopes for event_id in scope.event_ids]

    @property
    def external_ids(self) -> list:
        return [external_id for scope in self.scopes for external_id in scope.external_ids]

    def summary(self, *, detail: bool = True) -> str:
        if self.outcome == "failed":  # a refused call is no "found 0": say what stopped it, then what was kept before
            text = f"failed: {self.detail} · " if detail else "failed · "
            return text + f"the poll stopped; {self.new} new of {self.found} completions stored before it, {self.requests} requests"
        text = f"found {self.found} · already known {self.known} · new {self.new} · {self.requests} requests"
        if self.outcome == "done":
            return text
        return text + (f" · {self.outcome}: {self.detail}" if detail else f" · {self.outcome}")


def poller_for(source: Source):
    poller = POLLERS.get(source.dialect)
    if poller is None:
        raise PollNotPossible(f"The {source.dialect} dialect is not polled; pollable dialects: {', '.join(sorted(POLLERS))}.")
    if not poller.configured(source):
        raise PollNotPossible(f"{source.slug} has no polling settings yet; see docs/lms/polling.md for the {source.dialect} dialect's.")
    return poller


def poll_lease_take(*, source: Source, holder: str, seconds: float) -> bool:
    """Take the source's lease if nobody holds it (or the holder's lease lapsed). True if taken."""
    SourcePoll.objects.get_or_create(source=source)
    now = timezone.now()
    taken = SourcePoll.objects.filter(source=source).filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now)).update(
        lease_holder=holder, lease_until=now + timedelta(seconds=seconds)
    )
    return taken == 1


def poll_lease_release(*, source: Source, holder: str) -> None:
    SourcePoll.objects.filter(source=source, lease_holder=holder).update(lease_holder="", lease_until=None)


def _cursor_state(cursor: PollCursor | None) -> CursorState:
    if cursor is None:
        return CursorState()
    return CursorState(position=cursor.position, resume=cursor.resume, seen=frozenset(cursor.seen or []))


def _step_store(*, poller, source, cursor, step, report: ScopeReport, holder: str | None, move_cursor: bool, enqueue: bool, now) -> None:
    """One page: its events and the cursor after it, in one transaction."""
    with transaction.atomic():
        if holder is not None and not SourcePoll.objects.filter(source=source, lease_holder=holder).exists():
            raise PollBudgetSpent("the lease lapsed (the poll ran longer than its lease)")
        new_ids = []
        for completion in step.found:
            report.found += 1
            report.external_ids.append(completion.external_id)
            if poller.known_otherwise(source=source, completion=completion):
                report.known += 1
                continue
            event = CompletionEvent(source=source, external_id=completion.external_id, channel=CompletionEvent.Channel.POLL,
                                    headers={"polled-at": now.isoformat(), "poller": source.dialect}, body=completion.body,
                                    completion_key=completion.completion_key[:300])
            if not completion_events_store(events=[event]):
                report.known += 1  # pushed by webhook, or stored by an earlier poll or reconcile
                continue
            report.new += 1
            new_ids.append(event.pk)
        report.event_ids.extend(new_ids)
        if move_cursor:
            if step.position:
                cursor.position = step.position
            cursor.resume = step.resume
            cursor.seen = sorted(set(cursor.seen or []) | set(step.seen))
            cursor.save()
        if enqueue:
            completion_events_enqueue(event_ids=new_ids, organization_id=source.organization_id)


def _step_preview(*, poller, source, step, report: ScopeReport) -> None:
    for completion in step.found:
        report.found += 1
        report.external_ids.append(completion.external_id)
        if (completion_events_known(source=source, external_ids=[completion.external_id])
                or poller.known_otherwise(source=source, completion=completion)):
            report.known += 1
        else:
            report.new += 1


def _state_after(*, source: Source, error: PollError | None, report: PollReport, budget: PollBudget) -> None:
    now = timezone.now()
    state = SourcePoll.objects.select_for_update(no_key=True).get(source=source)
    state.last_poll_at, state.last_poll_summary = now, report.summary(detail=error is None)[:300]
    if error is None:
        state.status, state.failures, state.last_error = SourcePoll.Status.IDLE, 0, ""
        state.next_poll_after = now + timedelta(seconds=budget.resume_after) if budget.resume_after else None
    elif error.parks:
        if state.status != SourcePoll.Status.PARKED:
            # Parked once, announced once: the staff digest lists it while staff_notified_at is empty.
            state.parked_at, state.staff_notified_at = now, None
        state.status, state.last_error = SourcePoll.Status.PARKED, error.message[:2000]
    elif error.kind == PollError.RATE_LIMITED:
        state.status, state.last_error = SourcePoll.Status.BACKING_OFF, error.message[:2000]
        state.next_poll_after = now + timedelta(seconds=error.retry_after or 60)
    else:
        state.failures += 1
        wait = min(settings.LAUREL_POLL_BACKOFF_SECONDS * 2 ** (state.failures - 1), settings.LAUREL_POLL_BACKOFF_MAX_SECONDS)
        state.status, state.last_error = SourcePoll.Status.BACKING_OFF, error.message[:2000]
        state.next_poll_after = now + timedelta(seconds=wait)
    state.save()


def source_poll(*, source: Source, window: PollWindow | None = None, dry_run: bool = False, budget: PollBudget | None = None,
                enqueue: bool = True) -> PollReport:
    """Poll `source` once (or, with `window`, ask for every completion in it without moving the cursor).

    `dry_run` fetches and counts but stores nothing and takes no lease; `enqueue=False` leaves the
    new events for the caller to process (reconcile processes them at once to report the outcome).
    PollNotPossible if the source cannot be polled.
    """
    poller = poller_for(source)
    budget = budget or PollBudget(max_requests=settings.LAUREL_POLL_MAX_REQUESTS, max_seconds=settings.LAUREL_POLL_MAX_SECONDS)
    report = PollReport(source=source.slug)
    holder = None
    if not dry_run:
        holder = uuid.uuid4().hex
        if not poll_lease_take(source=source, holder=holder, seconds=budget.max_seconds + settings.LAUREL_POLL_LEASE_GRACE_SECONDS):
            report.outcome, report.detail = "skipped", "another poll of this source is running"
            return report
    client = poller.client(source=source, budget=budget)
    error = None
    now = timezone.now()
    try:
        for scope in poller.scopes(source):
            scope_report = ScopeReport(scope=scope)
            report.scopes.append(scope_report)
            cursor = PollCursor.objects.filter(source=source, scope=scope).first()
            if cursor is None and not dry_run and window is None:
                cursor, _ = PollCursor.objects.get_or_create(source=source, scope=scope)
            for step in poller.steps(client=client, source=source, scope=scope, cursor=_cursor_state(cursor), window=window):
                if dry_run:
                    _step_preview(poller=poller, source=source, step=step, report=scope_report)
                else:
                    _step_store(poller=poller, source=source, cursor=cursor, step=step, report=scope_report, holder=holder,
                                move_cursor=window is None, enqueue=enqueue, now=now)
                    if step.resume is not None:  # more of this scope's pass to fetch: a scheduled run may stop here
                        budget.hand_over()
    except PollBudgetSpent as exc:
        report.outcome, report.detail = "stopped", f"{exc}; the next poll resumes here"
    except PollError as exc:
        error = exc
        report.outcome, report.detail = "failed", f"{exc.kind}: {exc.message}"
    except Exception as exc:
        # A bug or a database hiccup must not leave the source looking healthy: it backs off like a
        # transient error, and the trace is in the log.
        logger.exception("poll of %s failed", source.slug)
        error = PollError(f"Unexpected {type(exc).__name__}: {str(exc)[:300]}", kind=PollError.TRANSIENT)
        report.outcome, report.detail = "failed", error.message
    finally:
        report.requests = budget.requests
        if holder is not None:
            with transaction.atomic():
                _state_after(source=source, error=error, report=report, budget=budget)
            poll_lease_release(source=source, holder=holder)
    return report


def source_poll_resume(*, source: Source, user) -> None:
    """Staff fixed the credentials: the source is polled again from where it stopped, and the audit trail says who."""
    with transaction.atomic():
        state = SourcePoll.objects.select_for_update(no_key=True).filter(source=source).first()
        if state is None or state.status == SourcePoll.Status.IDLE:
            return  # never polled, or nothing to resume: no record of a change that did not happen
        previous, error = state.status, state.last_error
        state.status, state.failures, state.next_poll_after, state.last_error = SourcePoll.Status.IDLE, 0, None, ""
        state.save(update_fields=["status", "failures", "next_poll_after", "last_error"])
        audit_record(
            organization=source.organization, from_state=f"polling {previous}", to_state=f"polling {state.status}",
            actor_kind="staff", actor_user=user, actor_label=user.get_username(),
            detail=f"Resumed polling of source “{source.name}” ({source.slug})" + (f" after: {error}" if error else "."),
        )


def source_poll_due(*, source: Source) -> bool:
    """Whether the schedule's run should poll now: not parked, not backing off."""
    state = SourcePoll.objects.filter(source=source).first()
    if state is None:
        return True
    if state.status == SourcePoll.Status.PARKED:
        return False
    return state.next_poll_after is None or state.next_poll_after <= timezone.now()
