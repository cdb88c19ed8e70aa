"""Renewal reminders: which (credential, offset) is due today, and sending each at most once.

Offsets are days before expiry (90, 30, 0 by default; a negative one is after), compared as dates
in the organisation's time zone. Only the most recent due offset of a credential is ever sent, so
a run after days of downtime sends one current reminder, not a burst of stale ones; a reminder
whose day is more than STALE_AFTER_DAYS ago is not sent at all (a first run over old data must not
email every learner who ever let a credential lapse).

At most once: inserting the RenewalReminder row is the claim (unique per credential and offset),
committed together with the outbox row, so concurrent runs on several machines send it once.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from courses.models import Organization

from ..outbound.connectors.base import EXPIRING
from ..delivery.outbox import outbox_enqueue, outbox_send_message
from ..email.messages import renewal_reminder_email_draft
from ..models import Credential, OutboxMessage, RenewalReminder, Suppression
from ..outbound.services import outbound_credential_changed

STALE_AFTER_DAYS = 30
# Credentials that can still be renewed: active, or expired (a reminder after expiry). Revoked,
# suspended and superseded ones get none, nor does one already renewed (it has a successor).
REMINDED_STATUSES = [Credential.Status.ACTIVE, Credential.Status.EXPIRED]
# Candidates read at a time: memory, and the time between two looks at a periodic run's budget, stay bounded.
PLAN_BATCH = 500


def renewal_reminder_key(*, credential_id, offset_days: int | None = None, staff_on: date | None = None) -> str:
    """The outbox idempotency key of one reminder: the one place it is spelled.

    A scheduled reminder is keyed by its offset; one staff send on request, by the day they sent it
    (a second click that day is the same email, not another one).
    """
    if staff_on is not None:
        return f"renewal-reminder:{credential_id}:staff:{staff_on.isoformat()}"
    return f"renewal-reminder:{credential_id}:{offset_days}"


def reminder_offset_label(offset_days: int) -> str:
    if offset_days == 0:
        return "on the day of expiry"
    days = abs(offset_days)
    return f"{days} day{'s' if days != 1 else ''} {'before' if offset_days > 0 else 'after'} expiry"


@dataclass
class DueReminder:
    credential: Credential
    offset_days: int
    due_on: date
    expires_on: date
    skipped: list[tuple[int, date]] = field(default_factory=list)  # earlier offsets overtaken by this one
    suppressed: bool = False


def organization_today(*, organization: Organization, now: datetime | None = None) -> date:
    return (now or timezone.now()).astimezone(ZoneInfo(organization.timezone)).date()


def _due_offsets(credential: Credential, *, zone: ZoneInfo, today: date) -> tuple[date, list[tuple[int, date]]]:
    expires_on = credential.valid_until.astimezone(zone).date()
    issued_on = credential.issued_at.astimezone(zone).date()
    due = []
    for offset in credential.achievement.reminder_offsets:
        day = expires_on - timedelta(days=offset)
        # Not before the credential existed: a short validity does not mean a reminder on day one.
        if issued_on <= day <= today:
            due.append((offset, day))
    return expires_on, sorted(due, key=lambda item: item[1])


def organization_reminders_due(*, organization: Organization, today: date) -> list[DueReminder]:
    """Every reminder this organisation should send on `today` (its local date), one per credential at most."""
    planned, after = [], None
    while True:
        batch, after = organization_reminders_due_batch(organization=organization, today=today, after=after)
        planned += batch
        if after is None:
            return planned


def organization_reminders_due_batch(*, organization: Organization, today: date, after: tuple | None = None,
                                     size: int | None = None) -> tuple[list[DueReminder], tuple | None]:
    """The reminders due among the next `size` candidate credentials after `after`, and where the next batch
    starts (None once the last candidate was read): four statements a batch, whatever the data.

    Candidates are read one status at a time, in (valid_until, pk) order: `after` is (status,) or
    (status, valid_until, pk). One status per query lets the (status, valid_until) index serve the
    window; with both in one IN, SQLite walked the valid_until index over every credential ending in
    the window, superseded ones included (2.5 s at a million issuances, finding none due)."""
    size = size or PLAN_BATCH
    zone = ZoneInfo(organization.timezone)
    offsets = [offset for achievement in organization.achievements.all() for offset in achievement.reminder_offsets]
    if not offsets:
        return [], None
    # Only credentials whose end is near enough to today for some offset to be due and not stale;
    # a day's margin each side, as the exact comparison is of dates in the organisation's zone.
    midnight = datetime.combine(today, datetime.min.time(), tzinfo=zone)
    window = {
        "valid_until__gte": midnight - timedelta(days=max(0, -min(offsets)) + STALE_AFTER_DAYS + 1),
        "valid_until__lt": midnight + timedelta(days=max(0, max(offsets)) + 2),
    }
    status = after[0] if after else REMINDED_STATUSES[0]
    candidates = Credential.objects.filter(
        issuance__organization=organization, status=status, replaced_by__isnull=True, **window,
    )
    if after is not None and len(after) == 3:
        candidates = candidates.filter(Q(valid_until__gt=after[1]) | Q(valid_until=after[1], pk__gt=after[2]))
    batch = list(candidates.select_related("achievement", "learner", "issuance__course", "issuance__organization")
                 .order_by("valid_until", "pk")[:size])
    sent = {}
    for credential_id, offset in RenewalReminder.objects.filter(
        credential_id__in=[credential.pk for credential in batch]
    ).values_list("credential_id", "offset_days"):
        sent.setdefault(credential_id, set()).add(offset)
    planned = []
    for credential in batch:
        if not credential.achievement.reminder_offsets:
            continue
        expires_on, due = _due_offsets(credential, zone=zone, today=today)
        if not due:
            continue
        latest_offset, latest_day = due[-1]
        done = sent.get(credential.pk, set())
        # This offset, or one due later, was handled already (by an earlier run or another machine).
        if any(offset <= latest_offset for offset in done) or (today - latest_day).days > STALE_AFTER_DAYS:
            continue
        planned.append((credential, latest_offset, latest_day, expires_on,
                        [(offset, day) for offset, day in due[:-1] if offset not in done]))
    suppressed = _suppressed_among(organization, [credential.learner.email for credential, *_ in planned])
    due_reminders = [
        DueReminder(credential=credential, offset_days=offset, due_on=day, expires_on=expires_on, skipped=skipped,
                    suppressed=credential.learner.email.strip().lower() in suppressed)
        for credential, offset, day, expires_on, skipped in planned
    ]
    if len(batch) == size:
        return due_reminders, (status, batch[-1].valid_until, batch[-1].pk)
    later = REMINDED_STATUSES[REMINDED_STATUSES.index(status) + 1:]
    return due_reminders, (later[0],) if later else None


def _suppressed_among(organization: Organization, addresses: list[str]) -> set[str]:
    """Which of these addresses the organisation must not email: a query per 500, not one per reminder (#28)."""
    wanted = sorted({address.strip().lower() for address in addresses})
    found = set()
    for start in range(0, len(wanted), 500):
        found |= set(Suppression.objects.filter(organization=organization, address__in=wanted[start:start + 500])
                     .values_list("address", flat=True))
    return found


def renewal_reminder_send(*, due: DueReminder, today: date) -> str:
    """Claim, queue and send one reminder. Returns sent, queued (will retry), suppressed, failed or taken."""
    credential = due.credential
    try:
        with transaction.atomic():
            RenewalReminder.objects.bulk_create(
                [RenewalReminder(credential=credential, offset_days=offset, due_on=day, outcome=RenewalReminder.Outcome.SKIPPED)
                 for offset, day in due.skipped],
                ignore_conflicts=True,
            )
            reminder = RenewalReminder.objects.create(
                credential=credential, offset_days=due.offset_days, due_on=due.due_on, outcome=RenewalReminder.Outcome.QUEUED
            )
            draft = renewal_reminder_email_draft(
                credential=credential, expires_on=due.expires_on, today=today,
                key=renewal_reminder_key(credential_id=credential.pk, offset_days=due.offset_days),
            )
            message = outbox_enqueue(draft=draft)
            RenewalReminder.objects.filter(pk=reminder.pk).update(message=message)
            if due.offset_days >= 0:  # once per (credential, offset): the reminder row above is the claim
                outbound_credential_changed(credential=credential, action=EXPIRING)
    except IntegrityError:
        return "taken"  # another run claimed this (credential, offset) first
    result = outbox_send_message(message=message)
    if result.sent:
        return "sent"
    if result.status == OutboxMessage.Status.SUPPRESSED:
        return "suppressed"
    return "failed" if result.permanent else "queued"
