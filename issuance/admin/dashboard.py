"""The admin home: the day's figures for the organisations a staff member may see, each a link to its list.

Every figure is one query over a bounded window that an index serves (migrations
0019_dashboard_indexes and 0026_dashboard_covering_indexes): no daily roll-up table, so a figure is
never stale. The per-day charts let the database work out each row's day, so no datetime is parsed
here. `bench/dashboard.py` times each query at 1,000,000 issuances (docs/performance.md). The charts
are inline SVG drawn here, so the page needs no script at all.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Case, Count, FloatField, Func, IntegerField, OuterRef, Q, Subquery, Value, When
from django.urls import reverse
from django.utils import timezone

from courses.models import Course
from courses.tenancy import organizations_for

from ..health import pipeline_health
from ..models import CompletionEvent, Credential, Issuance, OutboxMessage
from ..transitions import NOT_CLAIMABLE

CHART_DAYS = 14
MONTH_DAYS = 30
EXPIRY_DAYS = (30, 90)
IN_PROGRESS_STATES = [state for state in Issuance.State.values if state not in NOT_CLAIMABLE]
QUEUE_AGE_BANDS = [("hour", "Under an hour"), ("day", "1–24 hours"), ("week", "1–7 days"), ("older", "Over a week")]
PALETTE = ["#2563eb", "#16a34a", "#d97706", "#9333ea", "#dc2626", "#0891b2", "#4d7c0f", "#be185d"]


@dataclass
class Figure:
    label: str
    value: int | str
    url: str
    hint: str = ""
    tone: str = ""  # "warn" when the figure asks for someone's attention


@dataclass
class Dashboard:
    issued: list[Figure]
    attention: list[Figure]
    time_to_email: list[dict]
    volume: dict
    ineligible: list[Figure]
    queue_age: list[Figure]
    expiries: list[Figure]
    time_saved: Figure
    minutes_per_credential: int
    organizations: list = field(default_factory=list)
    stalled: list[str] = field(default_factory=list)  # /healthz's reasons: the workers are every organisation's


def _list_url(name: str, **params) -> str:
    url = reverse(f"admin:issuance_{name}_changelist")
    return f"{url}?{urlencode(params)}" if params else url


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def issued_counts(*, organizations, now: datetime) -> dict:
    """Credentials issued since midnight, in the last 7 days and the last 30 (one query, Credential.issued_at)."""
    today = _midnight(timezone.localdate(now))
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
    month_start = _midnight(timezone.localdate(now)) - timedelta(days=MONTH_DAYS - 1)
    issuances = Issuance.objects.filter(organization__in=organizations)
    outbox = OutboxMessage.objects.filter(organization__in=organizations)
    return {
        "in_progress": issuances.filter(finished_at__isnull=True, state__in=IN_PROGRESS_STATES).count(),
        "parked": issuances.filter(state=Issuance.State.PARKED).count(),
        "queue": queue_waiting_count(organizations=organizations),
        "failed": outbox.filter(status=OutboxMessage.Status.FAILED).count(),
        "bounced": outbox.filter(status=OutboxMessage.Status.BOUNCED, created_at__gte=month_start).count(),
        "month_start": month_start,
    }


def queue_waiting_count(*, organizations) -> int:
    """Parked events waiting in the exception queue (the sidebar's badge and the dashboard's figure)."""
    return CompletionEvent.objects.filter(status=CompletionEvent.Status.PARKED, source__organization__in=organizations).count()


def time_to_email_by_day(*, organizations, now: datetime, days: int = CHART_DAYS) -> list[dict]:
    """p50 and p95 of receipt → credential email handed to the mail provider, per day the email was created.

    The database gives each email's day and delay in seconds (two numbers a row, no datetime to parse
    here); the percentiles are taken here, per day."""
    start = _midnight(timezone.localdate(now)) - timedelta(days=days - 1)
    day_list = [(start + timedelta(days=offset)).date() for offset in range(days)]
    # Each email's issuance by its key (a subquery, not a join: PostgreSQL joined by hashing the whole
    # issuance table).
    received = Subquery(Issuance.objects.filter(pk=OuterRef("issuance_id")).order_by().values("created_at")[:1])
    rows = OutboxMessage.objects.filter(
        organization__in=organizations, kind=OutboxMessage.Kind.CREDENTIAL, created_at__gte=start,
        sent_at__isnull=False, issuance__isnull=False,
    ).annotate(
        day=_day_position("created_at", day_list), delay=SecondsBetween(received, "sent_at"),
    ).order_by().values_list("day", "delay")
    by_day: dict[int, list[float]] = defaultdict(list)
    for position, delay in rows.iterator(chunk_size=10000):
        by_day[position].append(max(0.0, round(delay, 3)))  # to the millisecond: SQLite's julianday is good to ~40 µs
    result = []
    for position, day in enumerate(day_list):
        samples = sorted(by_day.get(position, []))
        result.append({
            "day": day, "count": len(samples),
            "p50": _percentile(samples, 0.50), "p95": _percentile(samples, 0.95),
            "url": _list_url("outboxmessage", kind__exact="credential", created_at__date=day.isoformat()),
        })
    return result


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
    ends = [_midnight(day + timedelta(days=1)) for day in day_list]
    return Case(*[When(**{f"{field}__lt": end}, then=Value(position)) for position, end in enumerate(ends)],
                default=Value(len(day_list)), output_field=IntegerField())


def _percentile(ordered: list[float], share: float) -> float | None:
    if not ordered:
        return None
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def volume_by_course(*, organizations, now: datetime, days: int = CHART_DAYS) -> dict:
    """Completions received per course per day: (day, course) read from the covering index
    issuance_org_created_idx, the day worked out by the database, and counted here (grouping in SQL
    made SQLite walk the whole table in course order)."""
    start = _midnight(timezone.localdate(now)) - timedelta(days=days - 1)
    day_list = [(start + timedelta(days=offset)).date() for offset in range(days)]
    rows = (Issuance.objects.filter(organization__in=organizations, created_at__gte=start).order_by()
            .annotate(day=_day_position("created_at", day_list)).values_list("day", "course_id"))
    counts = Counter(row for row in rows.iterator(chunk_size=10000) if row[0] < days)
    codes = dict(Course.objects.filter(pk__in={course_id for _, course_id in counts}).values_list("pk", "code"))
    series: dict[tuple, dict] = {}
    for (position, course_id), count in counts.items():
        series.setdefault((course_id, codes[course_id]), {})[day_list[position]] = count
    return {"days": day_list, "series": series}


def ineligible_reasons(*, organizations, now: datetime, limit: int = 6) -> list[tuple[str, int]]:
    """The commonest reasons completions were not eligible in the last 30 days (Issuance state, created_at)."""
    start = _midnight(timezone.localdate(now)) - timedelta(days=MONTH_DAYS - 1)
    reasons = Counter()
    rows = Issuance.objects.filter(organization__in=organizations, state=Issuance.State.INELIGIBLE, created_at__gte=start)
    for row in rows.values_list("reasons", flat=True).iterator(chunk_size=5000):
        for reason in row or []:
            reasons[str(reason)] += 1
    return reasons.most_common(limit)


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


def dashboard_build(*, user, now: datetime | None = None) -> Dashboard:
    now = now or timezone.now()
    organizations = organizations_for(user)
    # Their ids, read once: each query then filters on a list of values, which PostgreSQL matches in an
    # index (a subquery there became a hash join over a sequential scan of a million issuances).
    scope = list(organizations.values_list("pk", flat=True))
    minutes = settings.LAUREL_MINUTES_PER_MANUAL_CREDENTIAL
    issued = issued_counts(organizations=scope, now=now)
    attention = attention_counts(organizations=scope, now=now)
    credentials = reverse("admin:issuance_credential_changelist")
    issued_figures = [
        Figure(label, count, f"{credentials}?{urlencode({'issued_at__gte': _iso(start)})}")
        for label, (count, start) in zip(["Issued today", "Issued in the last 7 days", "Issued in the last 30 days"],
                                         issued.values())
    ]
    month = _iso(attention["month_start"])
    attention_figures = [
        Figure("In progress", attention["in_progress"],
               _list_url("issuance", finished_at__isnull="True", state__in=",".join(IN_PROGRESS_STATES)),
               "Issuances on their way to a delivered credential."),
        Figure("Exception queue", attention["queue"], _list_url("parkedevent"),
               "Completions that failed validation and wait for staff.", "warn" if attention["queue"] else ""),
        Figure("Parked issuances", attention["parked"], _list_url("issuance", state__exact="parked"),
               "A step failed after its retries; resume once the cause is fixed.", "warn" if attention["parked"] else ""),
        Figure("Failed deliveries", attention["failed"], _list_url("outboxmessage", status__exact="failed"),
               "Emails the provider would not take after every retry.", "warn" if attention["failed"] else ""),
        Figure("Bounces (30 days)", attention["bounced"],
               _list_url("outboxmessage", status__exact="bounced", created_at__gte=month),
               "Emails the recipient's server sent back."),
    ]
    ineligible_url = _list_url("issuance", state__exact="ineligible", created_at__gte=month)
    ineligible = [Figure(reason, count, ineligible_url)
                  for reason, count in ineligible_reasons(organizations=scope, now=now)]
    ages = queue_age(organizations=scope, now=now)
    queue_figures = [Figure(label, ages[band], _list_url("parkedevent", age=band), tone="warn" if band == "older" and ages[band] else "")
                     for band, label in QUEUE_AGE_BANDS]
    ending = upcoming_expiries(organizations=scope, now=now)
    expiry_figures = [Figure(f"Ending in the next {days} days", ending[str(days)], _list_url("credential", expires=days))
                      for days in EXPIRY_DAYS]
    month_count = issued["month"][0]
    saved = Figure("Staff time saved (30 days)", _hours(month_count * minutes), issued_figures[2].url,
                   f"{month_count} credential{'s' if month_count != 1 else ''} × {minutes} min, the time one takes by "
                   "hand (setting LAUREL_MINUTES_PER_MANUAL_CREDENTIAL).")
    return Dashboard(
        issued=issued_figures, attention=attention_figures,
        time_to_email=time_to_email_by_day(organizations=scope, now=now),
        volume=volume_by_course(organizations=scope, now=now),
        ineligible=ineligible, queue_age=queue_figures, expiries=expiry_figures, time_saved=saved,
        minutes_per_credential=minutes, organizations=list(organizations.values_list("name", flat=True)[:6]),
        stalled=pipeline_health(now=now)["stalled_because"],
    )


def _hours(minutes: int) -> str:
    if minutes < 60:
        return f"{minutes} min"
    hours = minutes / 60
    return f"{hours:,.0f} h" if hours >= 10 else f"{hours:.1f} h"


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


# --- Charts: inline SVG, computed here so the template only places elements -----------------------

CHART_W, CHART_H, PAD_L, PAD_B, PAD_T = 480, 200, 44, 26, 10


def volume_chart(volume: dict) -> dict:
    """A stacked bar per day, one colour per course, with a legend linking each course's issuances."""
    days, series = volume["days"], volume["series"]
    totals = [sum(values.get(day, 0) for values in series.values()) for day in days]
    top = max(totals + [1])
    plot_w, plot_h = CHART_W - PAD_L - 8, CHART_H - PAD_B - PAD_T
    slot = plot_w / len(days)
    bars, legend = [], []
    for index, ((course_id, code), values) in enumerate(sorted(series.items(), key=lambda item: item[0][1])):
        colour = PALETTE[index % len(PALETTE)]
        legend.append({"code": code, "colour": colour, "total": sum(values.values()),
                       "url": _list_url("issuance", course__id__exact=course_id)})
    stacked = [0] * len(days)
    for index, ((course_id, code), values) in enumerate(sorted(series.items(), key=lambda item: item[0][1])):
        colour = PALETTE[index % len(PALETTE)]
        for position, day in enumerate(days):
            count = values.get(day, 0)
            if not count:
                continue
            height = count / top * plot_h
            y = PAD_T + plot_h - (stacked[position] / top * plot_h) - height
            stacked[position] += count
            bars.append({"x": round(PAD_L + position * slot + slot * 0.15, 1), "y": round(y, 1), "w": round(slot * 0.7, 1),
                         "h": round(max(height, 1), 1), "colour": colour, "title": f"{code}, {day:%d %b}: {count}",
                         "url": _list_url("issuance", course__id__exact=course_id, created_at__date=day.isoformat())})
    return {"width": CHART_W, "height": CHART_H, "bars": bars, "legend": legend,
            "axis": _axis(days, slot), "grid": _grid(top, plot_h), "base_y": PAD_T + plot_h, "left": PAD_L,
            "right": CHART_W - 8, "empty": not any(totals), "total": sum(totals)}


def time_to_email_chart(points: list[dict]) -> dict:
    """Two lines, p50 and p95, in minutes per day; a day with no email leaves a gap."""
    days = [point["day"] for point in points]
    values = [point[key] for point in points for key in ("p50", "p95") if point[key] is not None]
    top = max(values + [60.0])
    plot_w, plot_h = CHART_W - PAD_L - 8, CHART_H - PAD_B - PAD_T
    slot = plot_w / len(days)

    def line(key):
        segments, current = [], []
        for position, point in enumerate(points):
            if point[key] is None:
                if current:
                    segments.append(current)
                current = []
                continue
            x = PAD_L + position * slot + slot / 2
            y = PAD_T + plot_h - point[key] / top * plot_h
            current.append({"x": round(x, 1), "y": round(y, 1), "title": f"{point['day']:%d %b} {key}: {_duration(point[key])} "
                            f"({point['count']} email{'s' if point['count'] != 1 else ''})", "url": point["url"]})
        if current:
            segments.append(current)
        return [{"points": " ".join(f"{p['x']},{p['y']}" for p in segment), "dots": segment} for segment in segments]

    grid = [{"y": round(PAD_T + plot_h - value / top * plot_h, 1), "label": _duration(value)}
            for value in (top / 4, top / 2, top * 3 / 4, top)]
    rows = [{**point, "p50_label": _duration(point["p50"]), "p95_label": _duration(point["p95"])} for point in points]
    return {"width": CHART_W, "height": CHART_H, "p50": line("p50"), "p95": line("p95"), "axis": _axis(days, slot),
            "grid": grid, "base_y": PAD_T + plot_h, "left": PAD_L, "right": CHART_W - 8, "empty": not values, "rows": rows}


def _axis(days: list[date], slot: float) -> list[dict]:
    step = 2 if len(days) > 10 else 1
    return [{"x": round(PAD_L + position * slot + slot / 2, 1), "y": CHART_H - 8, "label": f"{day:%d %b}"}
            for position, day in enumerate(days) if position % step == (len(days) - 1) % step]


def _grid(top: int, plot_h: float) -> list[dict]:
    marks = sorted({max(1, round(top * share)) for share in (0.25, 0.5, 0.75, 1.0)})
    return [{"y": round(PAD_T + plot_h - mark / top * plot_h, 1), "label": mark} for mark in marks]


def dashboard_callback(request, context):
    """UNFOLD["DASHBOARD_CALLBACK"]: the figures beside the admin's own index context."""
    dashboard = dashboard_build(user=request.user)
    context.update({
        "dashboard": dashboard,
        "volume_chart": volume_chart(dashboard.volume),
        "latency_chart": time_to_email_chart(dashboard.time_to_email),
    })
    return context
