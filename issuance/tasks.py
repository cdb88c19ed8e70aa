"""django-q2 task entry points: thin wrappers that load nothing themselves and call a service."""

from django.conf import settings

from .periodic import Budget, periodic_run
from .sweep import completion_events_sweep as _sweep_events
from .sweep import issuance_sweep as _sweep
from .sweep import turns_sweep as _sweep_turns
from .step_queue import Kind, turn_take
from .worker import issuance_advance_steps as _advance


def issuance_advance(issuance_id: str) -> str | None:
    """A token (issuance/step_queue.py): advance the issuance whose organisation's turn it is, else this one."""
    return _advance(issuance_id=turn_take(kind=Kind.ISSUANCE) or issuance_id)


def issuance_sweep() -> int:
    """Every minute: re-queue what stopped moving, for at most LAUREL_SWEEP_RUN_SECONDS; the next run resumes."""
    with periodic_run(name="sweep") as budget:
        if budget is None:
            return 0  # the previous sweep is still running, or housekeeping has every slot it may take
        run = Budget(seconds=min(settings.LAUREL_SWEEP_RUN_SECONDS, budget.left()))
        return (len(_sweep(stop=run.spent, resume=True)) + len(_sweep_events(stop=run.spent, resume=True))
                + _sweep_turns(stop=run.spent))
