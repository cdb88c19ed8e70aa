"""The daily lifecycle pass in short runs (#28): expiry, then reminder planning, then sending.

What a pass does is what `credentials_expire_due` then `renewal_reminders_run` do (the command's way):
expire what has ended, count every reminder due, refuse the lot above LAUREL_BULK_CONFIRM_OVER, else
send each. Here the work goes in batches that commit as they go, and a run stops between two batches
once its seconds are spent; the pass's progress (stage, where to resume, the counts so far) is kept in
the cache, and the next run carries on from there. A pass that finishes in one run reads exactly as
before. Losing the progress (a cache flush) only means planning again: expiry is a conditional
UPDATE and each reminder is claimed by its row, so nothing is done twice.
"""

import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.core.cache import cache
from django.utils import timezone

from courses.models import Organization

from .bulk import bulk_gate
from .expiry import credentials_due_to_expire, credentials_expire_due
from .reminders import organization_reminders_due_batch, organization_today, renewal_reminder_send
from .runs import OffsetCounts, ReminderRun

PROGRESS_KEY = "laurel:lifecycle:pass"
# A pass not finished within this long is abandoned; the next run starts a new one (today's dates).
PASS_LIFETIME = timedelta(hours=20)


@dataclass
class DailyPass:
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    started_at: object = field(default_factory=timezone.now)
    stage: str = "expire"  # expire → plan → send → done (or refused)
    expired: int = 0
    offsets: dict[int, OffsetCounts] = field(default_factory=dict)
    days: dict[int, date] = field(default_factory=dict)  # each organisation's local date, fixed when planned
    organization_id: int | None = None  # where planning or sending resumes: this organisation,
    after: tuple | None = None  # after this (valid_until, credential pk)
    refused: str = ""

    @property
    def finished(self) -> bool:
        return self.stage in ("done", "refused")

    def run(self) -> ReminderRun:
        return ReminderRun(dry_run=False, offsets=self.offsets, refused=self.refused)

    def summary(self) -> str:
        if not self.finished:
            done = sum(counts.due for counts in self.offsets.values())
            return (f"expired {self.expired}; reminders: {self.stage} ({done} due so far); "
                    f"stopped at its time budget, the next run carries on")
        return f"expired {self.expired}; reminders: " + "; ".join(self.run().lines())


def daily_pass_current(*, pass_id: str | None = None) -> DailyPass | None:
    """The unfinished pass (the given one, when a continuation names it), or None."""
    current = cache.get(PROGRESS_KEY)
    if current is None or current.finished or timezone.now() - current.started_at > PASS_LIFETIME:
        return None
    if pass_id is not None and current.id != pass_id:
        return None
    return current


def _save(current: DailyPass) -> None:
    cache.set(PROGRESS_KEY, current, timeout=int(PASS_LIFETIME.total_seconds()))


def daily_pass_run(*, current: DailyPass, stop) -> DailyPass:
    """Carry `current` on until it finishes or `stop()` says the run's time is spent, each run one batch at
    least (so every run moves the pass on); the progress is saved after each batch and each email."""
    if current.stage == "expire":
        current.expired += credentials_expire_due(stop=stop)
        current.stage = "plan" if _expiry_finished() else "expire"
        _save(current)
        if stop():
            return current
    while current.stage in ("plan", "send"):
        if not _batch(current, sending=current.stage == "send", stop=stop):
            if current.stage == "send":
                current.stage = "done"
            else:
                gate = bulk_gate(count=current.run().to_email, confirmed=None)
                current.refused = "" if gate.open else gate.refusal
                current.stage = "send" if gate.open else "refused"
                current.organization_id, current.after = None, None
        _save(current)
        if stop():
            break
    return current


def _expiry_finished() -> bool:
    return not credentials_due_to_expire().exists()


def _batch(current: DailyPass, *, sending: bool, stop) -> bool:
    """Plan (or send) the next batch of the organisation where the pass stands. False when none is left."""
    organization = (Organization.objects.filter(pk__gte=current.organization_id) if current.organization_id else
                    Organization.objects.all()).order_by("pk").first()
    if organization is None:
        return False
    current.organization_id = organization.pk
    if organization.pk not in current.days:  # a new organisation: its date, and its offsets at zero
        current.days[organization.pk] = organization_today(organization=organization)
        for achievement in organization.achievements.all():
            for offset in achievement.reminder_offsets:
                current.offsets.setdefault(offset, OffsetCounts())
    today = current.days[organization.pk]
    due, following = organization_reminders_due_batch(organization=organization, today=today, after=current.after)
    for reminder in due:
        counts = current.offsets.setdefault(reminder.offset_days, OffsetCounts())
        if not sending:
            counts.due += 1
            counts.suppressed += reminder.suppressed
            continue
        outcome = renewal_reminder_send(due=reminder, today=today)
        if not (outcome == "suppressed" and reminder.suppressed):  # else counted as suppressed when planned
            counts.outcomes[outcome] += 1
            counts.suppressed += outcome == "suppressed"  # suppressed between planning and sending
        _save(current)
        if stop():  # between two emails: the rest of the batch is still due, the next run plans it again
            return True
    if following is None:  # this organisation is done: the next one, from its first candidate
        current.organization_id, current.after = organization.pk + 1, None
    else:
        current.after = following
    return True
