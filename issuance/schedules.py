"""Every periodic task Laurel runs, declared here and written to django-q2's schedules after `migrate`.

The code is the one place a schedule is said: `schedules_sync` creates each missing one and puts
back its task and interval (the next run time is left as it is), so a deployment's `migrate` is
all an operator runs. Data migrations used to create them; they are no-ops now (ADR 0005).
"""

from dataclasses import dataclass

from django_q.models import Schedule


@dataclass(frozen=True)
class PeriodicTask:
    name: str
    func: str
    minutes: int


SCHEDULES = (
    # Re-queue issuances that stopped moving (a crashed worker, a lost task).
    PeriodicTask(name="laurel-sweep", func="issuance.tasks.issuance_sweep", minutes=1),
    # Recover outbox rows stuck in `sending`, then send what is due (retries included).
    PeriodicTask(name="laurel-outbox-sweep", func="issuance.delivery.tasks.outbox_sweep", minutes=1),
    # At most one digest per organisation per quiet period; the task decides who is due.
    PeriodicTask(name="laurel-staff-digests", func="issuance.intake.digests.staff_digests_send", minutes=1),
    # Send outbound deliveries (badge platforms, CRMs, webhooks) that are due, retries included.
    PeriodicTask(name="laurel-outbound-sweep", func="issuance.outbound.tasks.outbound_sweep", minutes=1),
)


def schedules_sync(*, using: str = "default") -> list[str]:
    """Create or correct every declared schedule; returns the names it created."""
    created = []
    for task in SCHEDULES:
        _, made = Schedule.objects.using(using).update_or_create(
            name=task.name,
            defaults={"func": task.func, "schedule_type": Schedule.MINUTES, "minutes": task.minutes, "repeats": -1},
        )
        if made:
            created.append(task.name)
    return created


def schedules_sync_after_migrate(sender, *, using: str = "default", **kwargs) -> None:
    """post_migrate receiver; django_q's tables exist by then, whichever app's migrations ran."""
    schedules_sync(using=using)
