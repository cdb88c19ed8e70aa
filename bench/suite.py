"""`python -m bench`: the whole benchmark, or one part, on a throw-away stack; the last line printed is JSON.

    python -m bench [--profile embedded|production] [--only pdf|pipeline|latency|intake|csv|verify|crash|housekeeping|digesting|fairness|burst|backlog|engagement|outbound|poll_lookup] [--n N]
    python -m bench --only cluster [--n 600] [--fault-n 100] [--outage 60] [--watchdog 60] [--workers 3] [--faults a,b]
        (root; its own hosts in network namespaces)

Parts run in this order so none leaves a backlog for the next: pdf, pipeline, latency, verify,
intake and csv (the last two queue work with the workers stopped). `crash` (1,000 completions while
the workers are SIGKILLed again and again; lost and duplicate counts) and `housekeeping` (every
periodic task and /healthz at N = 1,000,000 issuances, events, outbox and delivery rows) run only
when asked for, as do `digesting` (N = 5,000 completions' history with a CRM connection: latency of
new completions alone and while the workers run the staff digest again and again), `fairness` (organisation A posts N completions at once, B one 10 s later: how
long B waits), `burst` (N completions at once: intake p99, time to clear, lost, CPU per credential;
BENCH_Q_WORKERS sets the worker processes) and `backlog` (the dashboard's backlog query at N waiting
turns), and `engagement` (the public page with counting on and off, and the dashboard's rates at
N = 1,000,000 counted credentials), and `outbound` (N credentials, default 1,000, to a stand-in Accredible that
answers 429 past its limit: requests, 429s, credentials a minute), and `poll_lookup` (a poller's look-up of a
webhook copy at N = 1,000,000 stored webhook events, by key and by the scan it replaced). `cluster` (bench/cluster.py) builds its own hosts in network namespaces and prints one
JSON line: the burst, fairness between organisations, five faults and a stalled worker host.
"""

import argparse
import json
import os
import signal
import sys
import time
from pathlib import Path

from .figures import load_average
from .report import RESULTS_DIR, combined_table, derive, latest_by_profile, machine, results_write, summary_line, table

PARTS = ["pdf", "pipeline", "latency", "verify", "intake", "csv"]
# Only with --only: a fault run, not a speed figure; and every periodic task at a million rows, which
# loads for minutes first.
ON_REQUEST = ["crash", "housekeeping", "digesting", "fairness", "burst", "backlog", "engagement", "outbound", "poll_lookup", "cluster"]


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _arguments(argv):
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--profile", choices=["embedded", "production"], default="embedded")
    parser.add_argument("--only", choices=PARTS + ON_REQUEST, action="append", help="run this part only (repeatable)")
    parser.add_argument("--n", type=int, help="a smaller run: N completions for the pipeline and intake burst, "
                        "min(N, 300) at 5/s for latency, N CSV rows, N verification requests, N/2 renders, "
                        "N completions for crash, N issuances (events, emails, deliveries) for housekeeping, N counted credentials for engagement "
                        "(defaults 2000 / 300 / 10000 / 2000 / 1000 / 1000 / 1000000 / 1000000)")
    parser.add_argument("--fault-n", type=int, default=100, help="cluster: completions posted during each fault (default 100)")
    parser.add_argument("--outage", type=float, default=60, help="cluster: seconds a link or the storage host stays cut (default 60)")
    parser.add_argument("--watchdog", type=float, default=60, help="cluster: WatchdogSec and LAUREL_WORKER_STALL_SECONDS (default 60)")
    parser.add_argument("--workers", type=int, default=3, help="cluster: worker hosts (default 3)")
    parser.add_argument("--faults", default="worker_kill,link_cut,postgres_restart,redis_restart,storage_down",
                        help="cluster: which faults, comma-separated, in this order")
    parser.add_argument("--clusters", type=int, default=1, help="qcluster processes for the pipeline part (scaling out)")
    parser.add_argument("--results-dir", type=Path, default=RESULTS_DIR)
    parser.add_argument("--table", action="store_true", help="print the README table from the latest results and exit")
    return parser.parse_args(argv)


def _terminate(signum, frame):
    raise SystemExit(128 + signum)  # run the clean-up in `finally`


def run(args) -> dict:
    from .smtp_sink import ArrivalSink
    from .stack import Stack

    cpus = len(os.sched_getaffinity(0))
    n = args.n
    parts = [part for part in PARTS + ON_REQUEST if part in (args.only or PARTS)]
    results = {"profile": args.profile, "cpus": cpus, "machine": machine(), "started_load": load_average()}
    if n:
        results["n"] = n
    if args.clusters != 1:
        results["clusters"] = args.clusters
    sink = ArrivalSink().start()
    stack = Stack(profile=args.profile, cpus=cpus, smtp_port=sink.port, log=log)
    if "housekeeping" in parts:  # its polling task asks an LMS stand-in on 127.0.0.1
        stack.env["LAUREL_ALLOW_PRIVATE_TARGETS"] = "1"
    try:
        log(f"bench: profile {args.profile}, {cpus} cores, parts {', '.join(parts)}; preparing {stack.workdir}")
        stack.prepare()
        for part in parts:
            started = time.monotonic()
            log(f"{part}: starting (load average {load_average()})")
            results.update(_measure(part, stack=stack, sink=sink, cpus=cpus, n=n, clusters=args.clusters))
            log(f"{part}: done in {time.monotonic() - started:.0f} s (load average {load_average()})")
    finally:
        stack.close()
        sink.stop()
    return derive(results)


def _measure(part: str, *, stack, sink, cpus: int, n: int | None, clusters: int) -> dict:
    if part == "pdf":
        from .pdf_limit import measure_pdf_limit

        start = load_average()
        figures = measure_pdf_limit(cpus=cpus, renders=max(100, n // 2) if n else 1000)
        return {**figures, "load_pdf": [start, load_average()]}
    if part == "pipeline":
        from .pipeline import measure_pipeline

        return measure_pipeline(stack=stack, sink=sink, count=n or 2000, clusters=clusters, log=log)
    if part == "crash":
        from .crash import measure_crash

        return measure_crash(stack=stack, sink=sink, count=n or 1000, log=log)
    if part == "housekeeping":
        from .housekeeping import measure_housekeeping

        return measure_housekeeping(stack=stack, count=n or 1_000_000, log=log)
    if part == "digesting":
        from .digesting import measure_digesting

        return measure_digesting(stack=stack, sink=sink, count=n or 5000, log=log)
    if part == "fairness":
        from .fairness import measure_fairness

        return measure_fairness(stack=stack, sink=sink, count=n or 10_000, log=log)
    if part == "burst":
        from .fairness import measure_burst

        return measure_burst(stack=stack, sink=sink, count=n or 10_000, log=log)
    if part == "backlog":
        from .backlog import measure_backlog

        return measure_backlog(stack=stack, count=n or 1_000_000, log=log)
    if part == "engagement":
        from .engagement import measure_engagement

        return measure_engagement(stack=stack, count=n or 1_000_000, log=log)
    if part == "outbound":
        from .outbound_governed import measure_outbound

        return measure_outbound(stack=stack, count=n or 1000, log=log)
    if part == "poll_lookup":
        from .poll_lookup import measure_poll_lookup

        return measure_poll_lookup(stack=stack, count=n or 1_000_000, log=log)
    if part == "latency":
        from .pipeline import measure_latency

        return measure_latency(stack=stack, sink=sink, count=min(n, 300) if n else 300, log=log)
    if part == "verify":
        from .verify import measure_verify

        return measure_verify(stack=stack, count=n or 2000, log=log)
    if part == "intake":
        from .intake import measure_intake

        return measure_intake(stack=stack, burst=n or 2000, steady=min(n, 2000) if n else 2000, log=log)
    from .intake import measure_csv

    return measure_csv(stack=stack, rows=n or 10_000, log=log)


def main(argv=None) -> None:
    args = _arguments(argv)
    if args.table:
        print(combined_table(latest_by_profile(args.results_dir)))
        return
    signal.signal(signal.SIGTERM, _terminate)
    if args.only == ["cluster"]:  # its own hosts, not the throw-away stack on 127.0.0.1; one JSON line
        from .cluster import FAULTS, measure_cluster

        faults = [name for name in args.faults.split(",") if name]
        unknown = sorted(set(faults) - set(FAULTS))
        if unknown:
            raise SystemExit(f"--faults: unknown {', '.join(unknown)}; known: {', '.join(FAULTS)}")
        figures = measure_cluster(n=args.n or 600, fault_n=args.fault_n, outage=args.outage, watchdog=args.watchdog,
                                  faults=faults, workers=args.workers, log=log)
        print(json.dumps(figures))
        return
    results = run(args)
    path = results_write(results, directory=args.results_dir)
    print(table(json.loads(path.read_text())))
    print(f"\nresults: {path}")
    print(summary_line(results))


if __name__ == "__main__":
    main()
