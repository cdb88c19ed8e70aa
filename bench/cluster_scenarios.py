"""What the multi-host harness does to its hosts (bench/cluster.py): the burst and fairness between
organisations, each fault, a stalled worker host, and the totals it reports."""

import base64
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path
from .figures import percentile
from .load import Client, completion_body, learner_email, signature
from .netns import Network, available, stale_remove

from .cluster_parts import *  # noqa: F401,F403


def _main_pid(wrapper_pid: int) -> int:
    """`ip netns exec` execs its command, so the wrapper's pid is qcluster's main process."""
    return wrapper_pid


class Scenarios:
    """The harness's measurements; a mixin of Harness, which builds and owns the hosts."""

    def burst_and_fairness(self, n: int) -> dict:
        cpu_start = self.cpu_seconds()
        prefix_a, prefix_b = f"a-{uuid.uuid4().hex[:4]}-", f"b-{uuid.uuid4().hex[:4]}-"
        burst = Poster(self, source="demo", secret=SECRET_A, prefix=prefix_a, count=n, course="FA-101", concurrency=8).start()
        time.sleep(10)
        small = Poster(self, source="northwind", secret=SECRET_B, prefix=prefix_b, count=1, course="FL-100", concurrency=1).start()
        small.join()
        b_email = learner_email(prefix_b, 0)
        arrived = self.sink.wait_for(prefix=prefix_b, count=1, deadline=time.monotonic() + 600)
        b_seconds = round(arrived[b_email] - small.posted_at[0], 1) if b_email in arrived else None
        a_done_then = len(self.sink.arrivals_for(prefix_a))
        outcome = self.settle(burst, timeout=900 + n)
        emailed = self.sink.arrivals_for(prefix_a)
        first = min(burst.posted_at.values())
        clear = round(max(emailed.values()) - first, 1) if emailed else None
        cpu = self.cpu_seconds() - cpu_start
        credentials = len(emailed) + (1 if b_email in arrived else 0)
        self.log(f"  burst: {n} in {clear} s; B's one completion emailed {b_seconds} s after its post "
                 f"({a_done_then} of A's emailed by then)")
        return {
            "fairness_small_org_s": b_seconds, "fairness_burst_emailed_before_b": a_done_then,
            "burst": {"n": n, "clear_s": clear, "intake_p99_ms": round(percentile(burst.first_ms, 0.99), 1),
                      "accepted": outcome["accepted"], "lost": outcome["lost"]},
            "cpu_ms_per_credential": round(cpu * 1000 / max(credentials, 1), 1),
            "_outcome": outcome,
        }

    def fault(self, name: str, n: int) -> dict:
        prefix = f"{name.replace('_', '')}-{uuid.uuid4().hex[:4]}-"
        # Posted over 20 s with the fault coming at 5 s: it meets requests arriving as well as work in flight.
        poster = Poster(self, source="demo", secret=SECRET_A, prefix=prefix, count=n, course="FA-101",
                        retry_for=300 + self.outage, over=20).start()
        time.sleep(5)
        began = time.time()
        self.log(f"  {name}: on ({len(poster.accepted)} of {n} accepted so far)")
        if name == "worker_kill":
            for pid in self.network.pids(self.workers[0]):
                os.kill(pid, signal.SIGKILL)  # every process of the host; its supervisor starts it again
        elif name == "link_cut":
            self.network.link(self.workers[1], up=False)
            time.sleep(self.outage)
            self.network.link(self.workers[1], up=True)
        elif name == "postgres_restart":
            self.postgres_stop()
            self.postgres_start()
            self.wait_port("db", 5432)
        elif name == "redis_restart":
            self.processes["broker"].kill()  # no persistence: it comes back empty
            self.processes["broker"].wait()
            self.redis_start()
            self.wait_port("broker", 6379)
        elif name == "storage_down":
            self.network.link("storage", up=False)
            time.sleep(self.outage)
            self.network.link("storage", up=True)
        self.log(f"  {name}: off after {time.time() - began:.0f} s")
        outcome = self.settle(poster, timeout=600 + self.outage)
        emailed = self.sink.arrivals_for(prefix)
        outcome["recovered_s"] = round(max(emailed.values()) - began, 1) if emailed else None
        self.log(f"  {name}: {outcome}")
        return outcome

    def stall(self) -> dict:
        host = self.workers[-1]
        supervisor = self.supervisors[host]
        from issuance.models import WorkerHeartbeat

        before = WorkerHeartbeat.objects.get(host=host)
        sentinel_and_below = [pid for pid in self.network.pids(host) if pid != supervisor.process.pid]
        ours = []
        for pid in sentinel_and_below:  # the qcluster's processes only, not `ip netns exec` itself
            try:
                if b"manage.py" in Path(f"/proc/{pid}/cmdline").read_bytes() and pid != _main_pid(supervisor.process.pid):
                    ours.append(pid)
            except OSError:
                pass
        events_before = len(supervisor.events)
        frozen_at = time.time()
        for pid in ours:
            os.kill(pid, signal.SIGSTOP)
        self.log(f"  stall: froze {len(ours)} processes of {host}'s qcluster (its main process still runs)")
        healthz_marked = check_failed = None
        deadline = time.monotonic() + self.watchdog + 120
        while time.monotonic() < deadline and len(supervisor.events) == events_before:
            time.sleep(0.5)
            body = self.healthz()
            if host in ((body.get("workers") or {}).get("stalled") or []) and healthz_marked is None:
                healthz_marked = round(time.time() - frozen_at, 1)
                check = self.in_host(host, [str(ROOT / "scripts" / "worker-health")], env={**self.env, "LAUREL_WORKER_HOST": host,
                                                                                            "PYTHON": sys.executable})
                check_failed = check.returncode == 1
                self.log(f"  stall: /healthz marks {host} stalled after {healthz_marked} s; scripts/worker-health: "
                         f"{check.stdout.strip()}")
        detected = supervisor.events[events_before][0] - frozen_at if len(supervisor.events) > events_before else None
        restarted = False
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            row = WorkerHeartbeat.objects.filter(host=host).first()
            if row and row.pid != before.pid and row.beat_at.timestamp() > frozen_at + (detected or 0):
                restarted = True
                break
            time.sleep(1)
        self.log(f"  stall: supervisor saw it after {detected and round(detected, 1)} s; beating again: {restarted}")
        return {"stall_detected_s": round(detected, 1) if detected is not None else None, "stall_restarted": restarted,
                "stall_healthz_marked_s": healthz_marked, "stall_worker_health_failed": check_failed}

    def pdfs_from_both_webs(self, count: int = 3) -> bool:
        import urllib.request

        from issuance.models import Credential

        for credential in Credential.objects.order_by("-issued_at")[:count]:
            for web in WEBS:
                url = f"http://{self.network.address(web)}:8000/credentials/{credential.pk}.pdf"
                with urllib.request.urlopen(url, timeout=20) as response:
                    if not response.read(5).startswith(b"%PDF"):
                        return False
        return True

    def totals(self) -> dict:
        from issuance.models import CompletionEvent, Credential

        with self.sink.handler.lock:
            received = dict(self.sink.handler.received)
        learners = [address for address in received if "@bench.example" in address]
        return {"completions": CompletionEvent.objects.count(), "credentials": Credential.objects.count(),
                "emails": sum(received[address] for address in learners)}
