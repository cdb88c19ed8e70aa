"""The admin home: the day's figures for the organisations a staff member may see, each a link to its list.

The figures are domain reads (issuance/reports.py); this module turns them into linked figures and
draws the charts as inline SVG, so the page needs no script at all.
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from courses.access.tenancy import organizations_for

from issuance import reports
from issuance.engagement.figures import engagement_rates
from issuance.health import pipeline_health, worker_hosts
from issuance.outbound.health import connection_cards

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
    engagement: dict = field(default_factory=dict)  # what happened to the 30 days' credentials (engagement_chart)
    organizations: list = field(default_factory=list)
    how_long: list[Figure] = field(default_factory=list)  # the headline: median and p90 of completion → email, 30 days
    months: list[dict] = field(default_factory=list)  # per calendar month, newest first (reports.calendar_months)
    choices: list = field(default_factory=list)  # (pk, name) of every organisation the user may see, for the selector
    chosen: int | None = None  # the one organisation shown, or None for all of them
    stalled: list[str] = field(default_factory=list)  # /healthz's reasons: the workers are every organisation's
    worker_hosts: list[dict] = field(default_factory=list)  # every worker host's last heartbeat
    backlog: dict = field(default_factory=dict)  # work waiting its turn, per organisation (reports.backlog_by_organization)
    outbound: list[dict] = field(default_factory=list)  # a card per connection (issuance/outbound/health.py)


# How each list behind a figure narrows to one organisation: a figure's link keeps the organisation chosen
# on the dashboard, so the list shows the rows the figure counted (walk-through m6).
ORGANIZATION_PARAMS = {"issuance": "organization__id__exact", "outboxmessage": "organization__id__exact",
                       "credential": "achievement__organization__id__exact", "parkedevent": "source__organization__id__exact"}


def _list_url(name: str, organization: int | None = None, **params) -> str:
    url = reverse(f"admin:issuance_{name}_changelist")
    if organization is not None:
        params[ORGANIZATION_PARAMS[name]] = organization
    return f"{url}?{urlencode(params)}" if params else url


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def dashboard_build(*, user, now: datetime | None = None, organization: str | None = None) -> Dashboard:
    """The figures for every organisation `user` may see, or for the one of them whose id is `organization`."""
    now = now or timezone.now()
    organizations = organizations_for(user)
    choices = list(organizations.order_by("name").values_list("pk", "name"))
    chosen = next((pk for pk, _ in choices if str(pk) == str(organization or "")), None)
    if chosen is not None:
        organizations = organizations.filter(pk=chosen)
    # Their ids, read once: each query then filters on a list of values, which PostgreSQL matches in an
    # index (a subquery there became a hash join over a sequential scan of a million issuances).
    scope = list(organizations.values_list("pk", flat=True))

    def link(name: str, **params) -> str:
        return _list_url(name, chosen, **params)

    minutes = settings.LAUREL_MINUTES_PER_MANUAL_CREDENTIAL
    issued = reports.issued_counts(organizations=scope, now=now)
    attention = reports.attention_counts(organizations=scope, now=now)
    issued_figures = [
        Figure(label, count, link("credential", issued_at__gte=_iso(start)))
        for label, (count, start) in zip(["Issued today", "Issued in the last 7 days", "Issued in the last 30 days"],
                                         issued.values())
    ]
    month = _iso(attention["month_start"])
    attention_figures = [
        Figure("In progress", attention["in_progress"],
               link("issuance", finished_at__isnull="True", state__in=",".join(reports.IN_PROGRESS_STATES)),
               "Issuances on their way to a delivered credential."),
        Figure("Exception queue", attention["queue"], link("parkedevent"),
               "Completions that failed validation and wait for staff.", "warn" if attention["queue"] else ""),
        Figure("Parked issuances", attention["parked"], link("issuance", state__exact="parked"),
               "A step failed after its retries; resume once the cause is fixed.", "warn" if attention["parked"] else ""),
        Figure("Failed deliveries", attention["failed"], link("outboxmessage", status__exact="failed"),
               "Emails the provider would not take after every retry.", "warn" if attention["failed"] else ""),
        Figure("Bounces (30 days)", attention["bounced"],
               link("outboxmessage", status__exact="bounced", created_at__gte=month),
               "Emails the recipient's server sent back."),
    ]
    ineligible = [Figure(row["label"], row["count"], link("issuance", state__exact="ineligible", created_at__gte=month, why=row["cause"]),
                         f"For example: {row['example']}")
                  for row in reports.ineligible_reasons(organizations=scope, now=now)]
    ages = reports.queue_age(organizations=scope, now=now)
    queue_figures = [Figure(label, ages[band], link("parkedevent", age=band), tone="warn" if band == "older" and ages[band] else "")
                     for band, label in QUEUE_AGE_BANDS]
    ending = reports.upcoming_expiries(organizations=scope, now=now)
    expiry_figures = [Figure(f"Ending in the next {days} days", ending[str(days)], link("credential", expires=days))
                      for days in reports.EXPIRY_DAYS]
    month_count = issued["month"][0]
    saved = Figure("Staff time saved (30 days)", _hours(month_count * minutes), issued_figures[2].url,
                   f"{month_count} credential{'s' if month_count != 1 else ''} × {minutes} min, the time one "
                   "credential takes by hand.")
    months = [{**row, "url": link("credential", issued_at__gte=_iso(row["start"]), issued_at__lt=_iso(row["end"])),
               "p50_label": _duration(row["p50"]), "p90_label": _duration(row["p90"])}
              for row in reports.calendar_months(organizations=scope, now=now)]
    issued_figures.append(Figure(f"Issued in {months[0]['month']:%B} so far", months[0]["issued"], months[0]["url"]))
    summary = reports.time_to_email_summary(organizations=scope, now=now)
    emails_url = link("outboxmessage", kind__exact="credential", created_at__gte=month)
    over = f"Over the {summary['count']} credential email{'s' if summary['count'] != 1 else ''} of the last 30 days."
    how_long = [
        Figure("Completion to email, median (30 days)", _duration(summary["p50"]), emails_url,
               f"Half the learners had their credential within this time. {over}"),
        Figure("Completion to email, 9 in 10 within (30 days)", _duration(summary["p90"]), emails_url,
               f"The 90th percentile: one learner in ten waited longer. {over}"),
    ]
    return Dashboard(
        issued=issued_figures, attention=attention_figures,
        time_to_email=[{**point, "url": link("outboxmessage", kind__exact="credential", created_at__date=point["day"].isoformat())}
                       for point in reports.time_to_email_by_day(organizations=scope, now=now)],
        volume=reports.volume_by_course(organizations=scope, now=now),
        ineligible=ineligible, queue_age=queue_figures, expiries=expiry_figures, time_saved=saved,
        minutes_per_credential=minutes,
        engagement=engagement_rates(organizations=scope, start=issued["month"][1], end=now),
        organizations=list(organizations.values_list("name", flat=True)[:6]),
        how_long=how_long, months=months, choices=choices, chosen=chosen,
        stalled=pipeline_health(now=now)["stalled_because"],
        worker_hosts=[{**entry, "ago": _duration(entry["seconds_ago"])} for entry in worker_hosts(now=now)],
        backlog=_backlog(organizations=organizations, scope=scope, now=now),
        outbound=_outbound(scope=scope, now=now, several=len(scope) > 1),
    )


def _outbound(*, scope: list, now: datetime, several: bool) -> list[dict]:
    """A card per connection, each figure a link to the deliveries behind it."""
    midnight = reports.local_midnight(timezone.localdate(now))
    today = _iso(midnight)
    cards = []
    for card in connection_cards(organizations=scope, now=now, day_start=midnight):
        pk = card.connection.pk
        waited = (now - card.oldest_waiting).total_seconds() if card.oldest_waiting else None
        cards.append({
            "card": card, "organization": card.connection.organization.name if several else "",
            "url": reverse("admin:issuance_connection_change", args=[pk]),
            "delivered_url": _list_url("outbounddelivery", connection__id__exact=pk, status__exact="done", finished_at__gte=today),
            "waiting_url": _list_url("outbounddelivery", connection__id__exact=pk, status__exact="queued"),
            "failed_url": _list_url("outboundfailure", connection__id__exact=pk),
            "oldest": "—" if waited is None else f"{_duration(max(waited, 0))} ago",
            "pill": {"failed": "bad", "queued": "warn", "active": "ok"}.get(card.tone, ""),
            "unhealthy": card.state.startswith("Unhealthy") or card.state == "Disabled",
        })
    return cards


BACKLOG_REFRESH_SECONDS = 15


def _backlog(*, organizations, scope: list, now: datetime) -> dict:
    """Per organisation: completions, emails and deliveries waiting for their turn, and the estimate to clear them."""
    backlog = reports.backlog_by_organization(organizations=scope, now=now)
    names = dict(organizations.filter(pk__in=[row["organization_id"] for row in backlog["rows"]]).values_list("pk", "name"))
    rows = [{**row, "name": names.get(row["organization_id"], "—"),
             "eta": "not yet known: nothing finished in the last 5 minutes" if row["eta_seconds"] is None
             else _duration(row["eta_seconds"])} for row in backlog["rows"]]
    return {"rows": rows, "per_minute": backlog["per_minute"], "refresh_seconds": BACKLOG_REFRESH_SECONDS if rows else None}


def _hours(minutes: int) -> str:
    if minutes < 60:
        return f"{minutes} min"
    hours = minutes / 60
    return f"{hours:,.0f} h" if hours >= 10 else f"{hours:.1f} h"


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    if seconds < 10:  # the figures of a healthy pipeline: "0.4 s" says more than "0 s"
        return f"{seconds:.1f} s".replace(".0 s", " s")
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
    top = _nice_top(max(values + [0.0]))
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


def _nice_top(value: float) -> float:
    """The axis's top: the first of 1, 2, 5 × 10ⁿ seconds at or above the largest value (at least 1 s), so a
    pipeline answering in 2 s draws a line across the chart rather than along its floor."""
    top = 1.0
    while top < value:
        top = top * 2.5 if str(top).startswith("2") else top * 2
    return top


ENGAGEMENT_W, ENGAGEMENT_ROW, ENGAGEMENT_LABEL = 480, 34, 170
ENGAGEMENT_COLOURS = {"viewed": "#2563eb", "downloaded": "#16a34a", "linkedin": "#0a66c2", "wallet": "#9333ea"}


def engagement_chart(engagement: dict) -> dict:
    """A horizontal bar per rate (viewed, downloaded, added to LinkedIn, claimed into a wallet), 0–100 %
    of the credentials issued in the period; the figures beside each bar say the count behind it."""
    plot_w = ENGAGEMENT_W - ENGAGEMENT_LABEL - 110
    bars = []
    for index, rate in enumerate(engagement["rates"]):
        share = rate["share"] or 0
        bars.append({
            "key": rate["key"], "label": rate["label"], "y": index * ENGAGEMENT_ROW + 6, "x": ENGAGEMENT_LABEL,
            "w": round(max(share * plot_w, 1 if rate["count"] else 0), 1), "track": plot_w, "h": ENGAGEMENT_ROW - 14,
            "colour": ENGAGEMENT_COLOURS[rate["key"]], "text_y": index * ENGAGEMENT_ROW + ENGAGEMENT_ROW / 2 + 4,
            "value_x": ENGAGEMENT_LABEL + plot_w + 8, "percent": _percent(rate["share"]), "count": rate["count"],
            "title": f"{rate['label']}: {rate['count']} of {engagement['issued']} credentials issued",
        })
    return {"width": ENGAGEMENT_W, "height": len(bars) * ENGAGEMENT_ROW + 4, "bars": bars,
            "issued": engagement["issued"], "totals": engagement["totals"], "empty": not engagement["issued"]}


def _percent(share: float | None) -> str:
    if share is None:
        return "—"
    return f"{share * 100:.0f} %" if share >= 0.1 or share == 0 else f"{share * 100:.1f} %"


def _axis(days: list[date], slot: float) -> list[dict]:
    step = 2 if len(days) > 10 else 1
    return [{"x": round(PAD_L + position * slot + slot / 2, 1), "y": CHART_H - 8, "label": f"{day:%d %b}"}
            for position, day in enumerate(days) if position % step == (len(days) - 1) % step]


def _grid(top: int, plot_h: float) -> list[dict]:
    marks = sorted({max(1, round(top * share)) for share in (0.25, 0.5, 0.75, 1.0)})
    return [{"y": round(PAD_T + plot_h - mark / top * plot_h, 1), "label": mark} for mark in marks]


def dashboard_callback(request, context):
    """UNFOLD["DASHBOARD_CALLBACK"]: the figures beside the admin's own index context."""
    dashboard = dashboard_build(user=request.user, organization=request.GET.get("organization"))
    context.update({
        "dashboard": dashboard,
        "volume_chart": volume_chart(dashboard.volume),
        "latency_chart": time_to_email_chart(dashboard.time_to_email),
        "worker_stall_seconds": settings.LAUREL_WORKER_STALL_SECONDS,
        "engagement_chart": engagement_chart(dashboard.engagement),
    })
    return context
