"""Recording what an outside system already did, through a database outage.

Once an email is accepted or a call is answered, its record is the one thing that stops another
attempt. A database restarting at that moment (an operator's restart, a failover) used to leave the
attempt unrecorded, and the sweep then made it again: a second email. So that one write is tried
again over a fresh connection, for up to LAUREL_OUTCOME_WRITE_SECONDS, before the error goes up.
Only outside a transaction: inside one, the transaction is lost with its connection anyway.
"""

import time
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connection

T = TypeVar("T")
FIRST_WAIT, LONGEST_WAIT = 0.25, 2.0


def outcome_write(write: Callable[[], T], *, sleep: Callable[[float], None] = time.sleep) -> T:
    """`write()`, again while the database cannot be reached, until it succeeds or the time is up."""
    deadline = time.monotonic() + settings.LAUREL_OUTCOME_WRITE_SECONDS
    wait = FIRST_WAIT
    while True:
        try:
            return write()
        except (OperationalError, InterfaceError):
            if connection.in_atomic_block or time.monotonic() + wait > deadline:
                raise
        try:
            connection.close()  # the broken connection; the next statement opens a new one
        except DatabaseError:
            pass
        sleep(wait)
        wait = min(wait * 2, LONGEST_WAIT)
