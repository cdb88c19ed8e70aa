"""Part `outbound` (issue 30): N credentials to a stand-in Accredible that enforces its limit and answers 429 past it.

The stand-in (stand_ins/outbound/platforms.py) admits at most L calls in any S seconds, a sliding window whose
phase Laurel cannot know, and answers 429 without Retry-After beyond it. Accredible documents 2,000 calls per 5
minutes; the default here scales both down (200 per 20 s) so 1,000 credentials cross several windows in minutes.
The connection is set to the same limit (BENCH_OUTBOUND_SET_LIMIT sets another, e.g. 100000/20 to see the
429s an ungoverned connection meets), and W threads (BENCH_OUTBOUND_WORKERS, default 4) send the due deliveries
as workers would. Figures: requests sent, 429s received (the goal is none), credentials per minute, and what share
of the limit that is (the governor keeps about a tenth of it in reserve, issuance/outbound/governor.py).
BENCH_OUTBOUND_BULK sets the connection's `bulk` (credentials per call through v2's bulk create; default 30, as
shipped; 1 sends each on its own, one call per credential).
"""

import os
import time
from concurrent.futures import ThreadPoolExecutor

LIMIT, PER_SECONDS = 200, 20


def measure_outbound(*, stack, count: int, log) -> dict:
    from django.conf import settings
    from django.db import connections
    from django.utils import timezone

    from courses.models import Organization
    from issuance.models import Credential, OutboundDelivery
    from issuance.outbound.connections import connection_add
    from issuance.outbound.connectors.base import ISSUED, PLATFORM
    from issuance.outbound.deliveries import delivery_perform
    from issuance.outbound.plan import deliveries_plan
    from stand_ins.outbound.platforms import AccredibleServer

    from .badge_step import issuances_at_rendered

    settings.LAUREL_ALLOW_PRIVATE_TARGETS = True  # the stand-in listens on 127.0.0.1
    workers = int(os.environ.get("BENCH_OUTBOUND_WORKERS", "4"))
    set_limit = os.environ.get("BENCH_OUTBOUND_SET_LIMIT", f"{LIMIT}/{PER_SECONDS}")
    bulk = os.environ.get("BENCH_OUTBOUND_BULK", "30")
    stack.stop_workers()  # this process sends; the stack's workers would race it for the rows
    with AccredibleServer(limit=LIMIT, per_seconds=PER_SECONDS) as server:
        organization = Organization.objects.get(slug="demo-academy")
        connection, _ = connection_add(organization=organization, kind="accredible", name="bench accredible", secret="accredible-key",
                                       settings={"base_url": server.url, "rate_limit": set_limit, "bulk": bulk},
                                       mappings={"FA-101": "1234"})
        log(f"outbound: {count} credentials for a stand-in Accredible admitting {LIMIT} calls in any {PER_SECONDS} s")
        ids = issuances_at_rendered(count)
        for credential in Credential.objects.filter(issuance_id__in=ids).select_related("issuance"):
            deliveries_plan(issuance=credential.issuance, credential=credential, action=ISSUED, stages={PLATFORM})
        rows = OutboundDelivery.objects.filter(connection=connection)

        def send(pk: int):
            try:
                return delivery_perform(delivery_id=pk).status
            finally:
                connections.close_all()

        started = time.monotonic()
        deadline = started + max(600, 3 * count * PER_SECONDS / LIMIT)
        with ThreadPoolExecutor(max_workers=workers) as pool:
            while time.monotonic() < deadline:
                now = timezone.now()
                due = list(rows.filter(status=OutboundDelivery.Status.QUEUED)
                           .exclude(next_attempt_at__gt=now).values_list("pk", flat=True))
                if not due:
                    if not rows.filter(status=OutboundDelivery.Status.QUEUED).exists():
                        break
                    earliest = rows.filter(status=OutboundDelivery.Status.QUEUED).order_by("next_attempt_at").first().next_attempt_at
                    time.sleep(min(5.0, max(0.05, (earliest - timezone.now()).total_seconds())))
                    continue
                list(pool.map(send, due))
        elapsed = time.monotonic() - started
        done = rows.filter(status=OutboundDelivery.Status.DONE).count()
        figures = {
            "outbound_credentials": count, "outbound_done": done, "outbound_requests": len(server.requests),
            "outbound_429s": server.refused, "outbound_elapsed_s": round(elapsed, 1),
            "outbound_per_minute": round(done / elapsed * 60), "outbound_limit_per_minute": round(LIMIT / PER_SECONDS * 60),
            "outbound_workers": workers, "outbound_connection_limit": set_limit, "outbound_bulk": int(bulk),
            "outbound_credentials_per_request": round(done / max(1, len(server.requests)), 1),
        }
        figures["outbound_share_of_limit"] = round(figures["outbound_per_minute"] / figures["outbound_limit_per_minute"], 2)
        log(f"outbound: {done} of {count} done in {elapsed:.0f} s, {len(server.requests)} requests, {server.refused} answered 429, "
            f"{figures['outbound_per_minute']} credentials a minute ({figures['outbound_share_of_limit']:.0%} of the limit), "
            f"bulk {bulk}")
        return figures
