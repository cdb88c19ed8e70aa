"""Every periodic task Laurel runs, declared here and written to django-q2's schedules after `migrate`.

The code is the one place a schedule is said: `schedules_sync` creates each missing one and puts
back its task and interval (the next run time is left as it is), so a deployment's `migrate` is
all an operator runs. Data migrations used to create them; they are no-ops now (ADR 0005).
"""

from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone
from django_q.models import Schedule


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
    return created


def schedules_sync_after_migrate(sender, *, using: str = "default", **kwargs) -> None:
    """post_migrate receiver; django_q's tables exist by then, whichever app's migrations ran."""
    schedules_sync(using=using)
