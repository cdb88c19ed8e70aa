"""The pipeline's figures for staff, as domain reads: what the dashboard, the sidebar's badge and a course's
page show, and what `bench/dashboard.py` times at 1,000,000 issuances (docs/performance.md).

Every figure is one query over a bounded window that an index serves (migrations
0019_dashboard_indexes and 0026_dashboard_covering_indexes): no daily roll-up table, so a figure is
never stale. The per-day reads let the database work out each row's day, so no datetime is parsed
here. Links and charts are the staff UI's (credentials_site/admin/dashboard.py).
"""

from collections import Counter, defaultdict
from datetime import date, datetime, time, timedelta

from django.db.models import Case, Count, FloatField, Func, IntegerField, OuterRef, Q, Subquery, Value, When
from django.utils import timezone

from courses.models import Course
from courses.rules import OTHER_CAUSE, REASON_CAUSES, reason_cause

from issuance.models import CompletionEvent, Credential, Issuance, OutboxMessage, WaitingTurn
from issuance.transitions import NOT_CLAIMABLE

CHART_DAYS = 14
MONTH_DAYS = 30
EXPIRY_DAYS = (30, 90)
IN_PROGRESS_STATES = [state for state in Issuance.State.values if state not in NOT_CLAIMABLE]


def local_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


def month_start(*, now: datetime) -> datetime:
    """The first midnight of the 30 days the monthly figures count, today included."""
    return local_midnight(timezone.localdate(now)) - timedelta(days=MONTH_DAYS - 1)


def issued_counts(*, organizations, now: datetime) -> dict:
    """Credentials issued since midnight, in the last 7 days and the last 30 (one query, Credential.issued_at)."""
    today = local_midnight(timezone.localdate(now))
    starts = {"today": today, "week": today - timedelta(days=6), "month": today - timedelta(days=MONTH_DAYS - 1)}
    counts = Credential.objects.filter(
        achievement__organization__in=organizations, issued_at__gte=starts["month"], issued_at__lte=now,
    ).aggregate(
        # issued_at (never null) rather than the key: credential_issued_idx then covers the whole query.
        today=Count("issued_at", filter=Q(issued_at__gte=starts["today"])),
        week=Count("issued_at", filter=Q(issued_at__gte=starts["week"])),
        month=Count("issued_at"),
    )
    return {name: (counts[name], starts[name]) for name in starts}


def attention_counts(*, organizations, now: datetime) -> dict:
    """What waits on the pipeline or on staff: one count each, on indexed columns."""
    start = month_start(now=now)
    issuances = Issuance.objects.filter(organization__in=organizations)
    outbox = OutboxMessage.objects.filter(organization__in=organizations)
    return {
        "in_progress": issuances.filter(finished_at__isnull=True, state__in=IN_PROGRESS_STATES).count(),
        "parked": issuances.filter(state=Issuance.State.PARKED).count(),
        "queue": queue_waiting_count(organizations=organizations),
        "failed": outbox.filter(status=OutboxMessage.Status.FAILED).count(),
        "bounced": outbox.filter(status=OutboxMessage.Status.BOUNCED, created_at__gte=start).count(),
        "month_start": start,
    }


def queue_waiting_count(*, organizations) -> int:
    """Parked events waiting in the exception queue (the sidebar's badge and the dashboard's figure)."""
    return CompletionEvent.objects.filter(status=CompletionEvent.Status.PARKED, source__organization__in=organizations).count()


def _email_delays(*, organizations, start: datetime, end: datetime | None = None):
    """Credential emails handed to the mail provider, created from `start` (to `end`), with `delay`: seconds from
    the completion's receipt. Each email's issuance by its key (a subquery, not a join: PostgreSQL joined by
    hashing the whole issuance table)."""
    received = Subquery(Issuance.objects.filter(pk=OuterRef("issuance_id")).order_by().values("created_at")[:1])
    rows = OutboxMessage.objects.filter(
        organization__in=organizations, kind=OutboxMessage.Kind.CREDENTIAL, created_at__gte=start,
        sent_at__isnull=False, issuance__isnull=False,
    )
    if end is not None:
        rows = rows.filter(created_at__lt=end)
    return rows.annotate(delay=SecondsBetween(received, "sent_at")).order_by()


def time_to_email_by_day(*, organizations, now: datetime, days: int = CHART_DAYS) -> list[dict]:
    """p50 and p95 of receipt → credential email handed to the mail provider, per day the email was created.

    The database gives each email's day and delay in seconds (two numbers a row, no datetime to parse
    here); the percentiles are taken here, per day."""
    start = local_midnight(timezone.localdate(now)) - timedelta(days=days - 1)
    day_list = [(start + timedelta(days=offset)).date() for offset in range(days)]
    rows = _email_delays(organizations=organizations, start=start).annotate(
        day=_day_position("created_at", day_list)).values_list("day", "delay")
    by_day: dict[int, list[float]] = defaultdict(list)
    for position, delay in rows.iterator(chunk_size=10000):
        by_day[position].append(max(0.0, round(delay, 3)))  # to the millisecond: SQLite's julianday is good to ~40 µs
    result = []
    for position, day in enumerate(day_list):
        samples = sorted(by_day.get(position, []))
        result.append({"day": day, "count": len(samples), "p50": _percentile(samples, 0.50), "p95": _percentile(samples, 0.95)})
    return result


def time_to_email_summary(*, organizations, now: datetime) -> dict:
    """The headline "how long": median and p90 of receipt → credential email over the last 30 days, and how many."""
    samples = sorted(max(0.0, round(delay, 3)) for delay in _email_delays(organizations=organizations, start=month_start(now=now))
                     .values_list("delay", flat=True).iterator(chunk_size=10000))
    return {"count": len(samples), "p50": _percentile(samples, 0.50), "p90": _percentile(samples, 0.90)}


CALENDAR_MONTHS = 6


def calendar_months(*, organizations, now: datetime, months: int = CALENDAR_MONTHS) -> list[dict]:
    """Per calendar month, newest first (the current one so far): credentials issued, credential emails, and
    the median and p90 of receipt → email. Two queries; each row's month worked out by the database."""
    today = timezone.localdate(now)
    firsts = [today.replace(day=1)]
    for _ in range(months - 1):
        firsts.append((firsts[-1] - timedelta(days=1)).replace(day=1))
    firsts.reverse()  # oldest first, for the positions
    starts = [local_midnight(first) for first in firsts]
    ends = starts[1:] + [local_midnight(today + timedelta(days=1))]
    issued = Credential.objects.filter(
        achievement__organization__in=organizations, issued_at__gte=starts[0], issued_at__lte=now,
    ).aggregate(**{str(n): Count("issued_at", filter=Q(issued_at__gte=start, issued_at__lt=end))
                   for n, (start, end) in enumerate(zip(starts, ends))})
    rows = _email_delays(organizations=organizations, start=starts[0]).annotate(
        month=_position("created_at", ends)).values_list("month", "delay")
    by_month: dict[int, list[float]] = defaultdict(list)
    for position, delay in rows.iterator(chunk_size=10000):
        by_month[position].append(max(0.0, round(delay, 3)))
    result = []
    for position, (first, start, end) in enumerate(zip(firsts, starts, ends)):
        samples = sorted(by_month.get(position, []))
        result.append({"month": first, "start": start, "end": end, "current": position == len(firsts) - 1,
                       "issued": issued[str(position)], "emails": len(samples),
                       "p50": _percentile(samples, 0.50), "p90": _percentile(samples, 0.90)})
    return result[::-1]


class SecondsBetween(Func):
    """Seconds from the first datetime to the second, computed by the database."""

    arity = 2
    output_field = FloatField()

    def __init__(self, earlier, later):
        super().__init__(later, earlier)

    def as_sql(self, compiler, connection, **extra):  # PostgreSQL
        return super().as_sql(compiler, connection, template="EXTRACT(EPOCH FROM (%(expressions)s))::float8", arg_joiner=" - ",
                              **extra)

    def as_sqlite(self, compiler, connection, **extra):
        return super().as_sql(compiler, connection, template="((julianday(%(expressions)s)) * 86400.0)",
                              arg_joiner=") - julianday(", **extra)


def _day_position(field: str, day_list: list[date]) -> Case:
    """Which of `day_list` (local days, in order) the datetime `field` falls on, as its position; a later
    moment is len(day_list). Comparisons with each day's end, so the database needs no per-row date
    function (SQLite's is a Python callback, 50× slower) and a change of clocks moves no row."""
    return _position(field, [local_midnight(day + timedelta(days=1)) for day in day_list])


def _position(field: str, ends: list[datetime]) -> Case:
    """The position of the first period (given by its end, in order) that the datetime `field` falls before."""
    return Case(*[When(**{f"{field}__lt": end}, then=Value(position)) for position, end in enumerate(ends)],
                default=Value(len(ends)), output_field=IntegerField())


def _percentile(ordered: list[float], share: float) -> float | None:
    if not ordered:
        return None
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def volume_by_course(*, organizations, now: datetime, days: int = CHART_DAYS) -> dict:
    """Completions received per course per day: (day, course) read from the covering index
    issuance_org_created_idx, the day worked out by the database, and counted here (grouping in SQL
    made SQLite walk the whole table in course order)."""
    start = local_midnight(timezone.localdate(now)) - timedelta(days=days - 1)
    day_list = [(start + timedelta(days=offset)).date() for offset in range(days)]
    rows = (Issuance.objects.filter(organization__in=organizations, created_at__gte=start).order_by()
            .annotate(day=_day_position("created_at", day_list)).values_list("day", "course_id"))
    counts = Counter(row for row in rows.iterator(chunk_size=10000) if row[0] < days)
    codes = dict(Course.objects.filter(pk__in={course_id for _, course_id in counts}).values_list("pk", "code"))
    series: dict[tuple, dict] = {}
    for (position, course_id), count in counts.items():
        series.setdefault((course_id, codes[course_id]), {})[day_list[position]] = count
    return {"days": day_list, "series": series}


def ineligible_reasons(*, organizations, now: datetime) -> list[dict]:
    """Completions not eligible in the last 30 days (Issuance state, created_at), counted by cause
    (courses.rules.REASON_CAUSES): an issuance counts once under each cause of its sentences, or under
    "other" when none of them has a known cause, as the issuance list's filter finds them. Commonest first,
    each with its commonest sentence as the example."""
    counts, examples = Counter(), defaultdict(Counter)
    rows = Issuance.objects.filter(organization__in=organizations, state=Issuance.State.INELIGIBLE,
                                   created_at__gte=month_start(now=now))
    for row in rows.values_list("reasons", flat=True).iterator(chunk_size=5000):
        by_cause = defaultdict(list)
        for reason in row or []:
            by_cause[reason_cause(reason)].append(str(reason))
        known = [key for key in by_cause if key != OTHER_CAUSE[0]]
        for key in known or list(by_cause):
            counts[key] += 1
            examples[key].update(by_cause[key])
    labels = {key: label for key, (label, _phrases, _exceptions) in REASON_CAUSES.items()} | {OTHER_CAUSE[0]: OTHER_CAUSE[1]}
    return [{"cause": key, "label": labels[key], "count": count, "example": examples[key].most_common(1)[0][0]}
            for key, count in counts.most_common()]


def ineligible_cause_filter(cause: str) -> Q:
    """Ineligible issuances of `cause` (a REASON_CAUSES key or "other"), as ineligible_reasons counts them."""
    def holds(phrases, exceptions):
        found = Q()
        for phrase in phrases:
            found |= Q(reasons__icontains=phrase)
        for exception in exceptions:
            found &= ~Q(reasons__icontains=exception)
        return found

    if cause in REASON_CAUSES:
        _label, phrases, exceptions = REASON_CAUSES[cause]
        return Q(state=Issuance.State.INELIGIBLE) & holds(phrases, exceptions)
    known = Q()
    for _label, phrases, exceptions in REASON_CAUSES.values():
        known |= holds(phrases, exceptions)
    return Q(state=Issuance.State.INELIGIBLE) & ~known


def queue_age(*, organizations, now: datetime) -> dict:
    """Parked events by how long they have waited (CompletionEvent status, parked_at)."""
    hour, day, week = now - timedelta(hours=1), now - timedelta(days=1), now - timedelta(days=7)
    return CompletionEvent.objects.filter(
        status=CompletionEvent.Status.PARKED, source__organization__in=organizations
    ).aggregate(
        hour=Count("pk", filter=Q(parked_at__gt=hour)),
        day=Count("pk", filter=Q(parked_at__lte=hour, parked_at__gt=day)),
        week=Count("pk", filter=Q(parked_at__lte=day, parked_at__gt=week)),
        older=Count("pk", filter=Q(parked_at__lte=week)),
    )


def upcoming_expiries(*, organizations, now: datetime) -> dict:
    """Active credentials ending in the next 30 and 90 days (Credential valid_until)."""
    return Credential.objects.filter(
        achievement__organization__in=organizations, status=Credential.Status.ACTIVE,
        valid_until__gt=now, valid_until__lte=now + timedelta(days=max(EXPIRY_DAYS)),
    ).aggregate(**{  # valid_until rather than the key: credential_expiry_idx covers the whole query
        str(days): Count("valid_until", filter=Q(valid_until__lte=now + timedelta(days=days))) for days in EXPIRY_DAYS
    })


def course_upcoming_expiries(*, course, now: datetime | None = None) -> dict[int, int]:
    """{30: n, 90: m}: active credentials from this course whose end falls within that many days (its admin page)."""
    now = now or timezone.now()
    held = Credential.objects.filter(issuance__course=course, status=Credential.Status.ACTIVE, valid_until__gt=now)
    return {days: held.filter(valid_until__lte=now + timedelta(days=days)).count() for days in EXPIRY_DAYS}


BACKLOG_RATE_MINUTES = 5
BACKLOG_KINDS = {
    WaitingTurn.Kind.EVENT: "events", WaitingTurn.Kind.ISSUANCE: "steps",
    WaitingTurn.Kind.EMAIL: "emails", WaitingTurn.Kind.DELIVERY: "deliveries",
}


def backlog_by_organization(*, organizations, now: datetime) -> dict:
    """Work waiting for its turn (issuance/step_queue.py, ADR 0013) per organisation, and when it should be done.

    Two queries: the waiting turns by organisation and kind (an index-only read of the turns table,
    which holds only what waits), and the issuances finished in the last BACKLOG_RATE_MINUTES (the
    `finished_at` index). Work is taken in turns, so an organisation with b completions waiting is
    done once every organisation has had min(its own backlog, b) turns: its estimate is the sum of
    those over every organisation, at the recent rate. No finished issuance in that window gives no
    estimate (`eta_seconds` None), not zero. Other organisations' counts enter the estimate but are
    not returned.
    """
    counts: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(BACKLOG_KINDS.values(), 0))
    for organization_id, kind, count in (WaitingTurn.objects.values_list("organization_id", "kind")
                                         .annotate(count=Count("id")).order_by()):
        counts[organization_id][BACKLOG_KINDS[kind]] += count
    since = now - timedelta(minutes=BACKLOG_RATE_MINUTES)
    finished = Issuance.objects.filter(finished_at__gte=since, finished_at__lte=now).count()
    rate = finished / (BACKLOG_RATE_MINUTES * 60)
    completions = {org: row["events"] + row["steps"] for org, row in counts.items()}
    shown = set(organizations)
    rows = []
    for organization_id, row in counts.items():
        if organization_id not in shown:
            continue
        mine = completions[organization_id]
        ahead = sum(min(theirs, mine) for theirs in completions.values())
        rows.append({"organization_id": organization_id, **row, "completions": mine,
                     "eta_seconds": ahead / rate if rate and mine else (0.0 if not mine else None)})
    return {"rows": sorted(rows, key=lambda row: -row["completions"]), "per_minute": round(rate * 60, 1)}
