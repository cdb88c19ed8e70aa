"""Staff exception digests: one email per organisation per 15 minutes at most, listing what waits for a person.

Both halves of the exception queue feed it: completion events parked at intake, and issuances the
pipeline parked after a step failed; so do failed outbound deliveries, connections that turned unhealthy,
parked polling and emails given up on (failed, bounced, complained, suppressed). Each is announced once (a
connection once per spell of failing); the email itself goes through the outbox.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from courses.models import Organization

from ..delivery.outbox import outbox_enqueue, outbox_send
from ..email.messages import staff_digest_draft
from ..idempotency_keys import staff_digest_key
from ..models import CompletionEvent, Connection, Issuance, OutboundDelivery, OutboxMessage, ProgrammeAward, SourcePoll, StaffDigest
from ..outbound.health import connection_fix, error_parts
from ..outbound.registry import connector_for
from ..periodic import periodic_run

DIGEST_INTERVAL = timedelta(minutes=15)
ITEMS_LISTED = 50


def _pending(organization: Organization):
    events = CompletionEvent.objects.filter(
        source__organization=organization, status=CompletionEvent.Status.PARKED, staff_notified_at__isnull=True
    ).select_related("source")
    issuances = Issuance.objects.filter(
        organization=organization, state=Issuance.State.PARKED, staff_notified_at__isnull=True
    ).select_related("course")
    return events, issuances


def _outbound_failures(organization: Organization):
    return OutboundDelivery.objects.filter(
        organization=organization, status=OutboundDelivery.Status.FAILED, staff_notified_at__isnull=True
    ).select_related("connection")


def _newly_unhealthy(now: datetime):
    """Enabled connections failing every call for LAUREL_CONNECTION_UNHEALTHY_MINUTES that the digest has not yet
    named in this spell of failing: never told, or told before it recovered (failing_since is later than the telling)."""
    cutoff = now - timedelta(minutes=settings.LAUREL_CONNECTION_UNHEALTHY_MINUTES)
    return Connection.objects.filter(enabled=True, failing_since__lte=cutoff).filter(
        Q(unhealthy_notified_at__isnull=True) | Q(unhealthy_notified_at__lt=F("failing_since")))


def _unhealthy_items(connections) -> list[dict]:
    items = []
    for connection in connections.order_by("failing_since")[:ITEMS_LISTED]:
        label = connector_for(connection.kind).label
        name = label if connection.name in ("", connection.kind) else f"{label} “{connection.name}”"
        error = error_parts(connection.last_error)[0] if connection.last_error else "no error recorded"
        items.append({"summary": f"Connection {name} is unhealthy: every call has failed since "
                                 f"{connection.failing_since:%d %b %H:%M} UTC",
                      "error": f"{error} What to do: {connection_fix(connection)}"})
    return items


def _parked_polls(organization: Organization):
    """Sources whose polling was parked (bad credentials, a wrong URL) and not yet announced: once each."""
    return SourcePoll.objects.filter(
        source__organization=organization, status=SourcePoll.Status.PARKED, staff_notified_at__isnull=True
    ).select_related("source")


def _failed_emails(organization: Organization):
    """Emails the outbox gave up on (recorded by `delivery.failures`) and not yet announced."""
    return OutboxMessage.objects.filter(
        organization=organization, failure_recorded_at__isnull=False, staff_notified_at__isnull=True
    )


def _programme_notices(organization: Organization):
    """What a programme's policy did when a constituent was revoked or expired, not yet announced."""
    return ProgrammeAward.objects.filter(
        programme__organization=organization, notice_at__isnull=False, staff_notified_at__isnull=True
    ).select_related("programme").prefetch_related("learner")  # one join per statement (tests/intake/test_digest_cost.py)


def _programme_items(awards) -> list[dict]:
    return [
        {"summary": f"Programme {award.programme.code} for {award.learner.email}: a constituent was revoked or expired",
         "error": award.notice}
        for award in awards.order_by("notice_at")[:ITEMS_LISTED]
    ]


def _email_items(emails) -> list[dict]:
    return [
        {"summary": f"The “{message.get_kind_display()}” email to {message.recipient} was not delivered ({message.status})",
         "error": message.last_error or "no error recorded"}
        for message in emails.order_by("updated_at")[:ITEMS_LISTED]
    ]


def _items(events, issuances) -> list[dict]:
    items = [
        {"summary": f"{event.learner_label or 'Unknown learner'} · {event.get_channel_display()} from {event.source.name} · {event.external_id}",
         "error": event.errors[0]["message"] if event.errors else "no error recorded"}
        # Sorted by an expression: the unannounced rows come from their own index, never the parked_at index's walk.
        for event in events.order_by(Coalesce("parked_at", "received_at"))[:ITEMS_LISTED]
    ]
    items += [
        {"summary": f"{issuance.learner_name} — {issuance.course.code} parked at {issuance.failed_step}", "error": issuance.error}
        for issuance in issuances.order_by("state_changed_at")[: max(ITEMS_LISTED - len(items), 0)]
    ]
    return items


def _queue_path(counts: dict) -> str:
    """Where the email's button leads: the exception queue, or the one list that has everything new."""
    if counts["events"]:
        return reverse("admin:issuance_parkedevent_changelist")
    if counts["issuances"]:
        return reverse("admin:issuance_issuance_changelist") + "?state__exact=parked"
    if counts["connections"] and not counts["failures"]:  # only unhealthy connections: the connections
        return reverse("admin:issuance_connection_changelist")
    if counts["failures"]:  # only outbound failures: their own list
        return reverse("admin:issuance_outboundfailure_changelist")
    if counts["polls"]:  # only parked polling: the sources
        return reverse("admin:issuance_source_changelist")
    if counts["programmes"]:  # only programme notices: the programmes
        return reverse("admin:courses_programme_changelist")
    return reverse("admin:issuance_outboxmessage_changelist")  # only failed emails: the outbox


def staff_digest_send(*, organization: Organization, now: datetime | None = None) -> StaffDigest | None:
    """Send one digest of what staff have not been told about yet, unless one went out lately."""
    now = now or timezone.now()
    with transaction.atomic():
        # Lock the organisation row so two schedulers cannot both decide "it has been 15 minutes".
        Organization.objects.select_for_update(no_key=True).filter(pk=organization.pk).first()
        last = StaffDigest.objects.filter(organization=organization).order_by("-sent_at").first()
        if last is not None and now - last.sent_at < DIGEST_INTERVAL:
            return None
        events, issuances = _pending(organization)
        failures = _outbound_failures(organization)
        polls = _parked_polls(organization)
        programmes = _programme_notices(organization)
        unhealthy = _newly_unhealthy(now).filter(organization=organization)
        # A parked issuance's own failed email is already its item: announced with it, not listed twice.
        # Asked per failed email by the issuance's key (NOT EXISTS): as `NOT IN (parked issuances)`
        # PostgreSQL read every parked issuance of the history, announced or not (1.8 s at a million).
        emails = _failed_emails(organization)
        listed_emails = emails.exclude(Exists(Issuance.objects.filter(
            pk=OuterRef("issuance_id"), state=Issuance.State.PARKED, staff_notified_at__isnull=True)))
        counts = {"events": events.count(), "issuances": issuances.count(), "failures": failures.count(),
                  "polls": polls.count(), "emails": listed_emails.count(), "programmes": programmes.count(),
                  "connections": unhealthy.count()}
        count = sum(counts.values())
        if not count:
            return None
        # A kind with nothing to announce is neither listed nor marked (an empty queryset asks the database
        # nothing): a round trip less each, for a run that shares its cores with the pipeline (#28).
        events, issuances, failures, polls, listed_emails, programmes, unhealthy = (
            queryset if counts[kind] else queryset.none() for kind, queryset in (
                ("events", events), ("issuances", issuances), ("failures", failures), ("polls", polls),
                ("emails", listed_emails), ("programmes", programmes), ("connections", unhealthy)))
        queue_url = settings.LAUREL_BASE_URL + _queue_path(counts)
        message = outbox_enqueue(draft=staff_digest_draft(
            organization=organization, key=staff_digest_key(organization_id=organization.pk, at=now),
            count=count, queue_url=queue_url, items=_unhealthy_items(unhealthy) + [
                {"summary": f"Polling source {poll.source.slug} is parked: fix its credentials, then resume it", "error": poll.last_error}
                for poll in polls] + _items(events, issuances) + [
                {"summary": f"Outbound {d.action} to {d.connection.kind} “{d.connection.name}” failed", "error": d.last_error}
                for d in failures[:ITEMS_LISTED]] + _email_items(listed_emails) + _programme_items(programmes),
        ))
        digest = StaffDigest.objects.create(
            organization=organization, sent_at=now, event_count=count, recipient=organization.notification_email
        )
        events.update(staff_notified_at=now)
        issuances.update(staff_notified_at=now)
        failures.update(staff_notified_at=now)
        polls.update(staff_notified_at=now)
        emails.update(staff_notified_at=now)
        programmes.update(staff_notified_at=now)
        unhealthy.update(unhealthy_notified_at=now)
    # Outside the transaction, as the outbox requires; a transient failure leaves it queued for the outbox sweep.
    outbox_send(message_id=message.pk)
    return digest


def organizations_with_news(now: datetime | None = None) -> set[int]:
    """The organisations with something staff have not been told about: one small indexed query per kind
    (connections: their own small table).

    Each reads only rows not yet announced (the `*_unannounced_idx` indexes put them first), so its cost
    follows what waits for a person, never the organisation's history. One query joining all five kinds
    cost their product and outran the task timeout at a few hundred completions (#28).
    """
    unannounced = {"staff_notified_at__isnull": True}
    found = set(CompletionEvent.objects.filter(status=CompletionEvent.Status.PARKED, **unannounced).order_by()
                .values_list("source__organization_id", flat=True).distinct())
    found |= set(Issuance.objects.filter(state=Issuance.State.PARKED, **unannounced).order_by()
                 .values_list("organization_id", flat=True).distinct())
    found |= set(OutboundDelivery.objects.filter(status=OutboundDelivery.Status.FAILED, **unannounced).order_by()
                 .values_list("organization_id", flat=True).distinct())
    found |= set(SourcePoll.objects.filter(status=SourcePoll.Status.PARKED, **unannounced).order_by()
                 .values_list("source__organization_id", flat=True).distinct())
    found |= set(OutboxMessage.objects.filter(failure_recorded_at__isnull=False, **unannounced).order_by()
                 .values_list("organization_id", flat=True).distinct())
    found |= set(ProgrammeAward.objects.filter(notice_at__isnull=False, **unannounced).order_by()
                 .values_list("programme__organization_id", flat=True).distinct())
    found |= set(_newly_unhealthy(now or timezone.now()).order_by().values_list("organization_id", flat=True).distinct())
    return found


def staff_digests_send(now: datetime | None = None) -> int:
    """For every organisation with something not yet announced; the django-q2 schedule calls this.

    Under the schedule it runs within the periodic budget: organisations left when it is spent are
    served by the next run, a minute later (docs/performance.md, "Housekeeping").
    """
    with periodic_run(name="staff-digests") as budget:
        if budget is None:
            return 0
        sent = 0
        for organization in Organization.objects.filter(pk__in=organizations_with_news(now)).order_by("pk"):
            if budget.spent():
                break
            if staff_digest_send(organization=organization, now=now):
                sent += 1
        return sent
