"""The `cluster` part: Laurel on separate hosts (network namespaces on one machine), with faults across the network.

    python -m bench --only cluster [--n 600] [--fault-n 100] [--outage 60] [--watchdog 60] [--workers 3] [--faults worker_kill,…]

Hosts, each a network namespace with one address on a bridge, every process bound to its host's address:
db (PostgreSQL 15, its own throw-away cluster), broker (Redis, no persistence), storage (moto's S3 server),
web1 and web2 (gunicorn), worker1..3 (`manage.py qcluster`; --workers). The machine itself is the load host: the
load client, the SMTP sink and the outbound webhook receiver listen on the bridge's first address.

Each worker host runs under a supervisor that does what docs/deployment.md's systemd unit does: restart
when the process ends (Restart=always) and when no watchdog ping arrived for WatchdogSec (the qcluster's
heartbeat sends them to NOTIFY_SOCKET, as under systemd). Phases:

1. burst and fairness: organisation A (demo-academy) posts N completions at once to both web hosts in
   turn; 10 s later organisation B (northwind) posts one. B's time to email, the burst's time to clear,
   intake p99 and CPU per credential (every web and worker host's processes).
2. faults, each while a burst of --fault-n is in flight: worker_kill (SIGKILL to every process of
   worker1), link_cut (worker2's link down for --outage s), postgres_restart, redis_restart (empty),
   storage_down (the storage host unreachable for --outage s). Each ends when every accepted completion
   has its email and its webhook call; lost and duplicates are counted per fault.
3. stall: every process below the last worker host's qcluster frozen (SIGSTOP), alive but making no progress; the
   time until the supervisor sees it (and /healthz and scripts/worker-health agree), and whether the
   restarted cluster beats again.

Everything it made (namespaces, bridge, links, processes, the temporary directory) is removed at the end,
also on SIGINT/SIGTERM; namespaces left by a run killed outright are removed at the next start.
"""

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

from .cluster_parts import *  # noqa: E402,F401,F403  (constants, Supervisor, Poster)
from .cluster_scenarios import Scenarios  # noqa: E402


def _interrupt(signum, frame):
    raise KeyboardInterrupt(signal.Signals(signum).name)


def _interruptible() -> None:
    """SIGINT and SIGTERM end a run through its clean-up, whatever disposition the harness inherited: a
    non-interactive shell starts a command put in the background (`make test … &`, as .ci/run does) with SIGINT
    ignored, and Python then never raises KeyboardInterrupt, so the run would go on to its end."""
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, _interrupt)


def _uninterruptible() -> None:
    """The clean-up itself runs to its end: a second Ctrl-C would leave namespaces behind (the next start would
    still remove them)."""
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, signal.SIG_IGN)


class Harness(Scenarios):
    def __init__(self, *, watchdog: float, outage: float, workers: int = 3, log=print):
        self.log, self.watchdog, self.outage = log, watchdog, outage
        self.workers = [f"worker{number}" for number in range(1, workers + 1)]
        self.hosts = {"db": 10, "broker": 11, "storage": 12, "web1": 21, "web2": 22,
                      **{name: 30 + number for number, name in enumerate(self.workers, start=1)}}
        self.network = Network(log=log)
        self.workdir = Path(tempfile.mkdtemp(prefix="laurel-cluster-"))
        self.workdir.chmod(0o755)
        self.processes: dict[str, subprocess.Popen] = {}
        self.supervisors: dict[str, Supervisor] = {}
        self.sink = None
        self.receiver = None
        self.env: dict[str, str] = {}

    # --- hosts and their processes -----------------------------------------------------------------
    def spawn(self, host: str, command: list[str], *, env: dict | None = None, name: str | None = None,
              user: str | None = None) -> subprocess.Popen:
        log = open(self.workdir / f"{name or host}.log", "ab")
        wrapped = self.network.wrap(host, (["runuser", "-u", user, "--"] if user else []) + command)
        return subprocess.Popen(wrapped, cwd=ROOT, env=env or self.env or dict(os.environ), stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)

    def in_host(self, host: str, command: list[str], *, env: dict | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
        return subprocess.run(self.network.wrap(host, command), cwd=ROOT, env=env or self.env, capture_output=True,
                              text=True, timeout=timeout)

    def wait_port(self, host: str, port: int, timeout: float = 60) -> None:
        address = self.network.address(host)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                socket.create_connection((address, port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"{host} did not open port {port} in {timeout:.0f} s; see {self.workdir}")

    def build(self) -> None:
        stale_remove(log=self.log)
        self.network.up()
        for host, number in self.hosts.items():
            self.network.host_add(host, number)
        load = self.network.load_address
        from stand_ins.outbound.receivers import WebhookReceiver

        from .smtp_sink import ArrivalSink

        self.sink = ArrivalSink(host=load).start()
        self.receiver = WebhookReceiver(secret=HOOK_SECRET, host=load).__enter__()
        self._postgres_init()
        self.postgres_start()
        self.redis_start()
        self.processes["storage"] = self.spawn("storage", [sys.executable, "-c", "import sys; from moto.server import main; "
                                                           "sys.exit(main(sys.argv[1:]))", "-H", self.network.address("storage"), "-p", "5000"])
        self.wait_port("db", 5432)
        self.wait_port("broker", 6379)
        self.wait_port("storage", 5000)
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "REDIS_URL", "LAUREL_EMAIL_ESP"))},
            "DJANGO_SETTINGS_MODULE": "credentials_site.settings", "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(48),
            "ALLOWED_HOSTS": ",".join(self.network.address(web) for web in WEBS) + ",localhost",
            "LAUREL_BASE_URL": "https://credentials.cluster.example", "SECURE_SSL_REDIRECT": "0",
            "LAUREL_KEY_ENCRYPTION_KEY": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
            "LAUREL_VAR_DIR": str(self.workdir / "var"),
            "DATABASE_URL": f"postgres://postgres@{self.network.address('db')}:5432/laurel",
            "PGCONNECT_TIMEOUT": "5",
            "REDIS_URL": f"redis://{self.network.address('broker')}:6379/1",
            "MEDIA_S3_BUCKET": "laurel-media", "MEDIA_S3_ENDPOINT_URL": f"http://{self.network.address('storage')}:5000",
            "MEDIA_S3_REGION": "us-east-1", "MEDIA_S3_ACCESS_KEY_ID": "cluster", "MEDIA_S3_SECRET_ACCESS_KEY": "cluster-secret",
            "MEDIA_S3_ADDRESSING_STYLE": "path",
            "EMAIL_HOST": load, "EMAIL_PORT": str(self.sink.port), "EMAIL_USE_TLS": "0", "EMAIL_USE_SSL": "0",
            "EMAIL_TIMEOUT": "20",
            "LAUREL_ALLOW_PRIVATE_TARGETS": "1",  # the webhook receiver is on the load host's private address
            "Q_CLUSTER_NAME": "laurel", "Q_WORKERS": os.environ.get("BENCH_Q_WORKERS", "2"), "Q_TIMEOUT": "60",
            "LAUREL_CLAIM_SECONDS": "45",  # a step lost with its host is taken again sooner than the default 90 s
            "LAUREL_WORKER_STALL_SECONDS": str(int(self.watchdog)),
            "LOG_LEVEL": "WARNING", "PYTHONUNBUFFERED": "1",
        }
        self._prepare()
        for web in WEBS:
            self.processes[web] = self.spawn(web, [sys.executable, "-m", "gunicorn", "credentials_site.wsgi", "--workers", "2",
                                                   "--bind", f"{self.network.address(web)}:8000", "--log-level", "warning"])
        for web in WEBS:
            self.wait_port(web, 8000)
        for worker in self.workers:
            self.supervisors[worker] = Supervisor(self, worker, self.watchdog)
            self.supervisors[worker].start()

    def _postgres_init(self) -> None:
        data = self.workdir / "pgdata"
        data.mkdir()
        (self.workdir / "pgsocket").mkdir()
        shutil.chown(data, "postgres")
        shutil.chown(self.workdir / "pgsocket", "postgres")
        subprocess.run(["runuser", "-u", "postgres", "--", str(PG_BIN / "initdb"), "-D", str(data), "--auth=trust",
                        "-U", "postgres", "--no-sync"], check=True, capture_output=True)
        with open(data / "pg_hba.conf", "a") as hba:
            hba.write(f"host all all {self.network.subnet}.0/24 trust\n")

    def postgres_start(self) -> None:
        self.processes["db"] = self.spawn("db", [str(PG_BIN / "postgres"), "-D", str(self.workdir / "pgdata"),
                                                 "-c", f"listen_addresses={self.network.address('db')}", "-c", "port=5432",
                                                 "-c", f"unix_socket_directories={self.workdir / 'pgsocket'}",
                                                 "-c", "max_connections=200", "-c", "fsync=off"], user="postgres")

    def postgres_stop(self) -> None:
        process = self.processes["db"]
        for pid in self.network.pids("db"):  # the postmaster: a fast shutdown, as systemctl restart does
            if Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0].endswith(b"postgres"):
                os.kill(pid, signal.SIGINT)
                break
        process.wait(timeout=60)

    def redis_start(self) -> None:
        self.processes["broker"] = self.spawn("broker", ["redis-server", "--bind", self.network.address("broker"), "--port", "6379",
                                                         "--save", "", "--appendonly", "no", "--protected-mode", "no"])

    def _prepare(self) -> None:
        import psycopg

        with psycopg.connect(f"postgres://postgres@{self.network.address('db')}:5432/postgres", autocommit=True) as connection:
            connection.execute("CREATE DATABASE laurel")
        import boto3

        boto3.client("s3", endpoint_url=self.env["MEDIA_S3_ENDPOINT_URL"], region_name="us-east-1",
                     aws_access_key_id="cluster", aws_secret_access_key="cluster-secret").create_bucket(Bucket="laurel-media")
        os.environ.update(self.env)
        import django

        django.setup()
        from django.core.management import call_command

        quiet = open(os.devnull, "w")
        call_command("migrate", verbosity=0)
        call_command("collectstatic", verbosity=0, interactive=False)
        call_command("seed_demo", admin_password=secrets.token_urlsafe(12), webhook_secret=SECRET_A, stdout=quiet)
        from courses.models import Organization
        from issuance.models import Source

        Source.objects.filter(slug="demo").update(rate_limit_per_minute=10**9)
        Source.objects.create(slug="northwind", organization=Organization.objects.get(slug="northwind"),
                              name="Northwind LMS", signing_secret=SECRET_B, rate_limit_per_minute=10**9)
        call_command("connection_add", "--org", "demo-academy", "--kind", "webhook", "--secret", HOOK_SECRET,
                     "--setting", f"url={self.receiver.url}/in", stdout=quiet)
        from django.db import connections

        connections.close_all()

    # --- what happened -----------------------------------------------------------------------------
    def cpu_seconds(self) -> float:
        ticks = 0
        for host in WEBS + self.workers:
            for pid in self.network.pids(host):
                try:
                    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                ticks += sum(int(value) for value in fields[11:15])
        return ticks / os.sysconf("SC_CLK_TCK")

    def calls_for(self, prefix: str) -> tuple[set, int, int]:
        """Learners whose credential.issued reached the receiver; deliveries the receiver could not tell apart
        from the first (another webhook-id for the same learner and event); redeliveries of one webhook-id."""
        ids: dict[str, set] = {}
        redelivered = 0
        seen = Counter()
        for event, message_id in zip(list(self.receiver.events), list(self.receiver.ids)):
            email = ((event.get("data") or {}).get("learner") or {}).get("email", "")
            if event.get("type") != "credential.issued" or not email.startswith(prefix):
                continue
            seen[message_id] += 1
            ids.setdefault(email, set()).add(message_id)
        redelivered = sum(count - 1 for count in seen.values())
        return set(ids), sum(len(found) - 1 for found in ids.values()), redelivered

    def sweep_when_idle(self) -> None:
        """What the every-minute sweep does, sooner, when the queue is empty (as bench/crash.py does)."""
        try:
            from django.db import connections
            from django_q.brokers import get_broker

            from issuance.sweep import completion_events_sweep, issuance_sweep

            if not get_broker().queue_size():
                issuance_sweep(stalled_after=20)
                completion_events_sweep(stalled_after=20)
        except Exception as exc:  # a fault may be on: the next round tries again
            self.log(f"  sweep: {type(exc).__name__}: {str(exc)[:120]}")
            try:
                connections.close_all()
            except Exception:
                pass

    def settle(self, poster: Poster, *, timeout: float) -> dict:
        """Wait until every accepted completion has its email and its webhook call; then count."""
        poster.join()
        prefix = poster.prefix
        accepted = {learner_email(prefix, index) for index in poster.accepted}
        deadline = time.monotonic() + timeout
        last_sweep = time.monotonic()
        while time.monotonic() < deadline:
            emailed = set(self.sink.arrivals_for(prefix))
            called = self.calls_for(prefix)[0]
            if accepted <= emailed and accepted <= called:
                break
            if time.monotonic() - last_sweep > 15:
                self.sweep_when_idle()
                last_sweep = time.monotonic()
            time.sleep(1)
        emailed = set(self.sink.arrivals_for(prefix))
        called, duplicate_calls, redelivered = self.calls_for(prefix)
        return {
            "posted": poster.count, "accepted": len(accepted), "retried_posts": poster.retries,
            "lost": len(accepted - emailed), "calls_missing": len(accepted - called),
            "duplicate_emails": self.sink.duplicates_for(prefix), "duplicate_calls": duplicate_calls,
            "redelivered_same_id": redelivered,
        }

    def healthz(self, web: str = "web1") -> dict:
        import urllib.request

        try:
            with urllib.request.urlopen(f"http://{self.network.address(web)}:8000/healthz", timeout=10) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as error:
            return json.loads(error.read())
        except OSError as exc:
            return {"error": str(exc)}

    # --- phases ------------------------------------------------------------------------------------
    def warm(self) -> None:
        poster = Poster(self, source="demo", secret=SECRET_A, prefix=f"warm-{uuid.uuid4().hex[:4]}-", count=12, course="FA-101").start()
        outcome = self.settle(poster, timeout=300)
        if outcome["lost"] or outcome["calls_missing"]:
            raise RuntimeError(f"warm-up did not complete: {outcome}; see {self.workdir}")
        self.log(f"  warm: {outcome['accepted']} credentials issued, emailed and delivered across the hosts")

    def close(self) -> None:
        """Stop everything; each step on its own, so one that fails (a namespace busy, a server slow to stop)
        never leaves the load host's SMTP sink or webhook receiver running, whose threads would keep this
        process alive after an interrupt."""
        try:
            for supervisor in self.supervisors.values():
                try:
                    supervisor.close()
                except Exception as exc:
                    self.log(f"cleanup: {exc}")
            try:
                from django.db import connections

                connections.close_all()
            except Exception:
                pass
            try:
                self.network.down()  # kills whatever still runs inside each host
            except Exception as exc:
                self.log(f"cleanup: the hosts' network: {exc}")
            deadline = time.monotonic() + 15  # one wait for them all, not 10 s each: an interrupted run ends promptly
            for process in self.processes.values():
                try:
                    process.wait(timeout=max(deadline - time.monotonic(), 0.1))
                except subprocess.TimeoutExpired:
                    pass
        finally:
            for stop in (lambda: self.receiver and self.receiver.__exit__(None, None, None),
                         lambda: self.sink and self.sink.stop()):
                try:
                    stop()
                except Exception as exc:
                    self.log(f"cleanup: {exc}")
            if os.environ.get("BENCH_KEEP"):
                self.log(f"kept {self.workdir}")
            else:
                shutil.rmtree(self.workdir, ignore_errors=True)


def measure_cluster(*, n: int, fault_n: int, outage: float, watchdog: float, faults: list[str], workers: int = 3,
                    log=print) -> dict:
    why_not = available()
    if why_not:
        raise SystemExit(f"cluster: {why_not}")
    if workers < 2:
        raise SystemExit("cluster: --workers must be at least 2 (one is killed or cut while another works)")
    _interruptible()
    harness = Harness(watchdog=watchdog, outage=outage, workers=workers, log=log)
    results: dict = {"hosts": {"web": len(WEBS), "worker": workers, "db": 1, "broker": 1, "storage": 1}}
    try:
        started = time.monotonic()
        log(f"cluster: building {len(harness.hosts)} hosts in {harness.workdir}")
        harness.build()
        log(f"cluster: built in {time.monotonic() - started:.0f} s")
        harness.warm()
        figures = harness.burst_and_fairness(n)
        outcomes = [figures.pop("_outcome")]
        results.update(figures)
        results["faults"] = {}
        for name in faults:
            outcome = harness.fault(name, fault_n)
            outcomes.append(outcome)
            results["faults"][name] = outcome
        results.update(harness.stall())
        results["pdfs_served_by_both_webs"] = harness.pdfs_from_both_webs()
        results.update(harness.totals())
        results["lost"] = sum(outcome["lost"] for outcome in outcomes)
        results["duplicate_emails"] = sum(outcome["duplicate_emails"] for outcome in outcomes)
        results["duplicate_calls"] = sum(outcome["duplicate_calls"] for outcome in outcomes)
        results["calls_missing"] = sum(outcome["calls_missing"] for outcome in outcomes)
        results["supervisor_events"] = {host: [what for _, what in supervisor.events] for host, supervisor in harness.supervisors.items()}
        results["elapsed_s"] = round(time.monotonic() - started)
    finally:
        _uninterruptible()
        harness.close()
        left = harness.network.leftover()
        results["namespaces_left"] = len(left)
        if left:
            log(f"cluster: still present after clean-up: {left}")
    return results
