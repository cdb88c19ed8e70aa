"""Staff exception digests: one email per organisation per 15 minutes at most, listing what waits for a person.

Both halves of the exception queue feed it: completion events parked at intake, and issuances the
pipeline parked after a step failed; so do failed outbound deliveries, parked polling and emails given
up on (failed, bounced, complained, suppressed). Each is announced once; the email itself goes through
the outbox.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from courses.models import Organization

from ..delivery.outbox import outbox_enqueue, outbox_send
from ..email.messages import staff_digest_draft
from ..idempotency_keys import staff_digest_key
from ..models import CompletionEvent, Issuance, OutboundDelivery, OutboxMessage, SourcePoll, StaffDigest

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


def _email_items(emails) -> list[dict]:
    return [
        {"summary": f"The “{message.get_kind_display()}” email to {message.recipient} was not delivered ({message.status})",
         "error": message.last_error or "no error recorded"}
        for message in emails.order_by("updated_at")[:ITEMS_LISTED]
    ]


def _items(events, issuances) -> list[dict]:
    items = [
        {"summary": f"Event {event.source.slug} · {event.external_id}",
         "error": event.errors[0]["message"] if event.errors else "no error recorded"}
        for event in events.order_by("parked_at")[:ITEMS_LISTED]
    ]
    items += [
        {"summary": f"{issuance.learner_name} — {issuance.course.code} parked at {issuance.failed_step}", "error": issuance.error}
        for issuance in issuances.order_by("state_changed_at")[: max(ITEMS_LISTED - len(items), 0)]
    ]
    return items


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
        # A parked issuance's own failed email is already its item: announced with it, not listed twice.
        emails = _failed_emails(organization)
        listed_emails = emails.exclude(issuance__in=list(issuances.values_list("pk", flat=True)))
        count = events.count() + issuances.count() + failures.count() + polls.count() + listed_emails.count()
        if not count:
            return None
        queue = "admin:issuance_parkedevent_changelist" if events.exists() else "admin:issuance_issuance_changelist"
        queue_url = settings.LAUREL_BASE_URL + reverse(queue) + ("" if events.exists() else "?state__exact=parked")
        if not events.exists() and not issuances.exists() and failures.exists():  # only outbound failures: their own list
            queue_url = settings.LAUREL_BASE_URL + reverse("admin:issuance_outboundfailure_changelist")
        elif not events.exists() and not issuances.exists() and polls.exists():  # only parked polling: the sources
            queue_url = settings.LAUREL_BASE_URL + reverse("admin:issuance_source_changelist")
        elif not events.exists() and not issuances.exists():  # only failed emails: the outbox
            queue_url = settings.LAUREL_BASE_URL + reverse("admin:issuance_outboxmessage_changelist")
        message = outbox_enqueue(draft=staff_digest_draft(
            organization=organization, key=staff_digest_key(organization_id=organization.pk, at=now),
            count=count, queue_url=queue_url, items=[
                {"summary": f"Polling source {poll.source.slug} is parked: fix its credentials, then resume it", "error": poll.last_error}
                for poll in polls] + _items(events, issuances) + [
                {"summary": f"Outbound {d.action} to {d.connection.kind} “{d.connection.name}” failed", "error": d.last_error}
                for d in failures[:ITEMS_LISTED]] + _email_items(listed_emails),
        ))
        digest = StaffDigest.objects.create(
            organization=organization, sent_at=now, event_count=count, recipient=organization.notification_email
        )
        events.update(staff_notified_at=now)
        issuances.update(staff_notified_at=now)
        failures.update(staff_notified_at=now)
        polls.update(staff_notified_at=now)
        emails.update(staff_notified_at=now)
    # Outside the transaction, as the outbox requires; a transient failure leaves it queued for the outbox sweep.
    outbox_send(message_id=message.pk)
    return digest


def staff_digests_send(now: datetime | None = None) -> int:
    """For every organisation with something not yet announced; the django-q2 schedule calls this."""
    with_events = Organization.objects.filter(
        sources__events__status=CompletionEvent.Status.PARKED, sources__events__staff_notified_at__isnull=True
    )
    with_issuances = Organization.objects.filter(issuances__state=Issuance.State.PARKED, issuances__staff_notified_at__isnull=True)
    with_failures = Organization.objects.filter(outbound_deliveries__status=OutboundDelivery.Status.FAILED,
                                                outbound_deliveries__staff_notified_at__isnull=True)
    with_parked_polls = Organization.objects.filter(sources__poll__status=SourcePoll.Status.PARKED,
                                                    sources__poll__staff_notified_at__isnull=True)
    with_failed_emails = Organization.objects.filter(outbox_messages__failure_recorded_at__isnull=False,
                                                     outbox_messages__staff_notified_at__isnull=True)
    sent = 0
    for organization in (with_events | with_issuances | with_failures | with_parked_polls | with_failed_emails).distinct():
        if staff_digest_send(organization=organization, now=now):
            sent += 1
    return sent
