"""Raising one counter of one credential: one statement, and never the reason a public page fails.

The statement is an upsert that reads the credential's organisation, course and issue date and the
organisation's switch in the same breath (INSERT … SELECT … ON CONFLICT DO UPDATE SET n = n + 1, the
same text on SQLite and PostgreSQL), so a count costs one round trip, makes no read-then-write race,
and holds the credential's row lock only for that statement. Nothing about the visitor is stored:
no address, no cookie, no user agent; only the counts and the first and last dates.
"""

import logging
import uuid

from django.db import DatabaseError, connection, models, transaction
from django.utils import timezone

from courses.models import Organization
from issuance.models import Credential, CredentialEngagement, Issuance

from .bots import user_agent_is_bot

logger = logging.getLogger(__name__)

COUNTERS = ("views", "downloads", "linkedin_clicks", "wallet_claims", "verifications")
# On SQLite one writer waits for another; a count is worth at most this long of a visitor's wait.
SQLITE_WAIT_MS = 1000


def request_is_counted(request) -> bool:
    """A person's request: neither a known bot (bots.py) nor a signed-in staff member."""
    if user_agent_is_bot(request.META.get("HTTP_USER_AGENT", "")):
        return False
    user = getattr(request, "user", None)  # read lazily: without a session cookie no query is made
    return not (user is not None and user.is_authenticated and user.is_staff)


def _upsert_sql(counter: str) -> str:
    quote = connection.ops.quote_name
    table = quote(CredentialEngagement._meta.db_table)
    values = ", ".join("%s" for _ in COUNTERS)
    columns = ", ".join(quote(name) for name in COUNTERS)
    return (
        f"INSERT INTO {table} ({quote('credential_id')}, {quote('organization_id')}, {quote('course_id')}, "  # nosec B608: quoted model names, values bound
        f"{quote('issued_at')}, {columns}, {quote('first_counted_at')}, {quote('last_counted_at')}) "
        f"SELECT c.{quote('id')}, i.{quote('organization_id')}, i.{quote('course_id')}, c.{quote('issued_at')}, "
        f"{values}, %s, %s FROM {quote(Credential._meta.db_table)} c "
        f"JOIN {quote(Issuance._meta.db_table)} i ON i.{quote('id')} = c.{quote('issuance_id')} "
        f"JOIN {quote(Organization._meta.db_table)} o ON o.{quote('id')} = i.{quote('organization_id')} "
        f"WHERE c.{quote('id')} = %s AND o.{quote('count_engagement')} = %s "
        f"ON CONFLICT ({quote('credential_id')}) DO UPDATE SET {quote(counter)} = {table}.{quote(counter)} + 1, "
        f"{quote('last_counted_at')} = excluded.{quote('last_counted_at')}"
    )


def engagement_count(*, credential_id, counter: str, request=None) -> bool:
    """Add one to `counter` of the credential; True when counted.

    Given the request, a bot's or a staff member's is not counted. A credential that does not exist,
    or whose organisation turned counting off, is left alone. A database error is logged and
    swallowed: the page that asked still answers."""
    if counter not in COUNTERS:
        raise ValueError(f"unknown engagement counter {counter!r}; one of {', '.join(COUNTERS)}")
    if request is not None and not request_is_counted(request):
        return False
    try:
        key = uuid.UUID(str(credential_id))
    except ValueError:
        return False
    now = timezone.now()
    stamp = models.DateTimeField().get_db_prep_value(now, connection)
    params = [1 if name == counter else 0 for name in COUNTERS] + [stamp, stamp]
    params += [Credential._meta.pk.get_db_prep_value(key, connection), True]
    own_transaction = not connection.in_atomic_block
    sqlite_outside = connection.vendor == "sqlite" and own_transaction
    try:
        with connection.cursor() as cursor:
            if sqlite_outside:
                cursor.execute(f"PRAGMA busy_timeout = {SQLITE_WAIT_MS}")
            try:
                with transaction.atomic():  # a savepoint inside a caller's transaction: a failure leaves it usable
                    if own_transaction and connection.vendor == "postgresql":
                        # A count need not wait for the WAL to reach the disk (the bench measured that wait as most
                        # of a count's cost): a crash may lose the last fraction of a second of counts, never a page.
                        cursor.execute("SET LOCAL synchronous_commit = off")
                    cursor.execute(_upsert_sql(counter), params)
                    counted = cursor.rowcount != 0
            finally:
                if sqlite_outside:
                    usual = connection.settings_dict["OPTIONS"].get("timeout", 5)  # settings.py's busy timeout, in s
                    cursor.execute(f"PRAGMA busy_timeout = {int(usual * 1000)}")
    except DatabaseError:
        logger.warning("engagement: %s of credential %s not counted", counter, key, exc_info=True)
        return False
    return counted
