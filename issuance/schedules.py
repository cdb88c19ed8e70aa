"""Every periodic task Laurel runs, declared here and written to django-q2's schedules after `migrate`.

The code is the one place a schedule is said: `schedules_sync` creates each missing one and puts
back its task and interval (the next run time is left as it is), so a deployment's `migrate` is
all an operator runs. Data migrations used to create them; they are no-ops now (ADR 0005).
"""

from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone
from django_q.models import Schedule

from .models import Source
from .sources.registry import source_poll_minutes

POLL_SCHEDULE_PREFIX = "laurel-poll-"
POLL_TASK = "issuance.intake.tasks.source_poll_scheduled"


@dataclass(frozen=True)
class PeriodicTask:
    name: str
    func: str
    minutes: int = 0  # every N minutes; 0 for a daily task
    daily_at_hour: int | None = None  # a daily task's first run: this hour (UTC) tomorrow

    def schedule_fields(self) -> dict:
        if self.daily_at_hour is None:
            return {"func": self.func, "schedule_type": Schedule.MINUTES, "minutes": self.minutes, "repeats": -1}
        return {"func": self.func, "schedule_type": Schedule.DAILY, "repeats": -1}

    def first_run(self):
        if self.daily_at_hour is None:
            return timezone.now()
        tomorrow = timezone.now() + timedelta(days=1)
        return tomorrow.replace(hour=self.daily_at_hour, minute=0, second=0, microsecond=0)


SCHEDULES = (
    # Re-queue issuances that stopped moving (a crashed worker, a lost task).
    PeriodicTask(name="laurel-sweep", func="issuance.tasks.issuance_sweep", minutes=1),
    # Recover outbox rows stuck in `sending`, then send what is due (retries included).
    PeriodicTask(name="laurel-outbox-sweep", func="issuance.delivery.tasks.outbox_sweep", minutes=1),
    # At most one digest per organisation per quiet period; the task decides who is due.
    PeriodicTask(name="laurel-staff-digests", func="issuance.intake.digests.staff_digests_send", minutes=1),
    # Send outbound deliveries (badge platforms, CRMs, webhooks) that are due, retries included.
    PeriodicTask(name="laurel-outbound-sweep", func="issuance.outbound.tasks.outbound_sweep", minutes=1),
    # Once a day: expire what has passed its end, then send the renewal reminders that are due.
    PeriodicTask(name="laurel-lifecycle-daily", func="issuance.lifecycle.tasks.lifecycle_daily", daily_at_hour=6),
    # Once a day: empty the raw bodies of finished events older than their organisation's retention.
    PeriodicTask(name="laurel-privacy-daily", func="issuance.privacy.tasks.privacy_daily", daily_at_hour=3),
)


def schedules_sync(*, using: str = "default") -> list[str]:
    """Create or correct every declared schedule; returns the names it created."""
    created = []
    for task in SCHEDULES:
        _, made = Schedule.objects.using(using).update_or_create(
            name=task.name, defaults=task.schedule_fields(), create_defaults={**task.schedule_fields(), "next_run": task.first_run()},
        )
        if made:
            created.append(task.name)
    poll_schedules_sync(using=using)
    return created


def poll_schedule_sync(*, source: Source, using: str = "default") -> None:
    """The source's own schedule, every poll_minutes; none when it is not polled (0, inactive, not set up)."""
    name = POLL_SCHEDULE_PREFIX + source.slug
    minutes = source_poll_minutes(source)
    if not minutes:
        Schedule.objects.using(using).filter(name=name).delete()
        return
    fields = {"func": POLL_TASK, "args": repr(source.slug), "schedule_type": Schedule.MINUTES, "minutes": minutes, "repeats": -1}
    Schedule.objects.using(using).update_or_create(name=name, defaults=fields, create_defaults={**fields, "next_run": timezone.now()})


def poll_schedules_sync(*, using: str = "default") -> None:
    """Every source's poll schedule as its settings say, and no schedule left for a source that went."""
    slugs = set()
    for source in Source.objects.using(using).all():
        poll_schedule_sync(source=source, using=using)
        slugs.add(source.slug)
    leftovers = Schedule.objects.using(using).filter(name__startswith=POLL_SCHEDULE_PREFIX)
    for schedule in leftovers:
        if schedule.name.removeprefix(POLL_SCHEDULE_PREFIX) not in slugs:
            schedule.delete()


def poll_schedule_after_source_save(sender, instance: Source, **kwargs) -> None:
    """post_save receiver: a source saved in the admin or by source_add gets its schedule at once."""
    poll_schedule_sync(source=instance)


def poll_schedule_after_source_delete(sender, instance: Source, **kwargs) -> None:
    Schedule.objects.filter(name=POLL_SCHEDULE_PREFIX + instance.slug).delete()


def schedules_sync_after_migrate(sender, *, using: str = "default", **kwargs) -> None:
    """post_migrate receiver; django_q's tables exist by then, whichever app's migrations ran."""
    schedules_sync(using=using)
