"""The gate on bulk sends: above LAUREL_BULK_CONFIRM_OVER learners, the exact count must be confirmed."""

import os
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured

DEFAULT_CONFIRM_OVER = 200


def bulk_confirm_over() -> int:
    """Read when the action runs, not at start-up, so an operator can change it for one run.

    Read here rather than through credentials_site's settings helpers, which the pipeline may not import.
    """
    raw = os.environ.get("LAUREL_BULK_CONFIRM_OVER", "").strip()
    if not raw:
        return DEFAULT_CONFIRM_OVER
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"LAUREL_BULK_CONFIRM_OVER must be a whole number, not {raw!r}") from None


@dataclass(frozen=True)
class BulkGate:
    count: int
    limit: int
    confirmed: int | None

    @property
    def open(self) -> bool:
        return self.count <= self.limit or self.confirmed == self.count

    @property
    def refusal(self) -> str:
        if self.confirmed is not None and self.confirmed != self.count:
            return (f"This would email {self.count} learners, not {self.confirmed}: nothing was sent. "
                    f"Check the count, then confirm it exactly.")
        return (f"This would email {self.count} learners, more than LAUREL_BULK_CONFIRM_OVER ({self.limit}): "
                f"nothing was sent. Confirm the exact count to send.")


def typed_count(value: str | None) -> int | None:
    """The count staff typed to confirm, or None when they typed none (or not a number)."""
    try:
        return int((value or "").strip())
    except ValueError:
        return None


def bulk_gate(*, count: int, confirmed: int | None) -> BulkGate:
    return BulkGate(count=count, limit=bulk_confirm_over(), confirmed=confirmed)
