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

ROOT = Path(__file__).resolve().parent.parent
PG_BIN = Path(os.environ.get("BENCH_PG_BIN", "/usr/lib/postgresql/15/bin"))
SECRET_A = "whsec_" + base64.b64encode(b"laurel-cluster-org-a-signing-key").decode()
SECRET_B = "whsec_" + base64.b64encode(b"laurel-cluster-org-b-signing-key").decode()
HOOK_SECRET = "whsec_" + base64.b64encode(b"laurel-cluster-webhook-receiver!").decode()
FAULTS = ["worker_kill", "link_cut", "postgres_restart", "redis_restart", "storage_down"]
WEBS = ["web1", "web2"]
START_TIMEOUT = 180  # the unit's TimeoutStartSec: a qcluster starting on a busy machine takes a while to beat first


class Supervisor:
    """systemd's part for one worker host: Restart=always, and WatchdogSec from NOTIFY_SOCKET pings."""

    def __init__(self, harness: "Harness", host: str, watchdog: float):
        self.harness, self.host, self.watchdog = harness, host, watchdog
        self.socket_path = harness.workdir / f"notify-{host}.sock"
        self.notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.notify.bind(str(self.socket_path))
        self.notify.settimeout(0.5)
        self.last_ping = time.monotonic()
        self.process = None
        self.started_at = 0.0
        self.events: list[tuple[float, str]] = []  # (unix time, what the supervisor did)
        self.stop = threading.Event()
        self.paused = False
        self.threads = [threading.Thread(target=self._listen, daemon=True), threading.Thread(target=self._guard, daemon=True)]

    def start(self) -> None:
        self._spawn()
        for thread in self.threads:
            thread.start()

    def _spawn(self) -> None:
        env = {**self.harness.env, "LAUREL_WORKER_HOST": self.host, "NOTIFY_SOCKET": str(self.socket_path)}
        self.process = self.harness.spawn(self.host, [sys.executable, str(ROOT / "manage.py"), "qcluster"], env=env)
        self.started_at = self.last_ping = time.monotonic()
        self.ready = False  # Type=notify: the watchdog counts from READY=1 (the first beat), TimeoutStartSec before

    def _listen(self) -> None:
        while not self.stop.is_set():
            try:
                message = self.notify.recv(256)
            except (socket.timeout, OSError):
                continue
            if b"WATCHDOG=1" in message or b"READY=1" in message:
                self.last_ping = time.monotonic()
                self.ready = True

    def _guard(self) -> None:
        while not self.stop.wait(0.5):
            if self.paused:
                continue
            if self.process.poll() is not None:
                self.events.append((time.time(), "exited; restarted"))
                time.sleep(1)  # RestartSec=1
                self._spawn()
            elif not self.ready and time.monotonic() - self.started_at > START_TIMEOUT:
                self.events.append((time.time(), "no READY=1 within TimeoutStartSec; killed and restarted"))
                self.kill()
                self._spawn()
            elif self.ready and time.monotonic() - self.last_ping > self.watchdog:
                self.events.append((time.time(), "watchdog timeout; killed and restarted"))
                self.kill()
                self._spawn()

    def kill(self) -> None:
        for pid in self.harness.network.pids(self.host):  # the whole host's processes, as a cgroup would
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass

    def close(self) -> None:
        self.stop.set()
        self.kill()
        self.notify.close()


class Poster:
    """Posts signed completions to the web hosts in turn, as an LMS would: a refused or failed post is
    sent again (same webhook-id) until accepted or the deadline passes."""

    def __init__(self, harness: "Harness", *, source: str, secret: str, prefix: str, count: int, course: str,
                 concurrency: int = 4, retry_for: float = 300, over: float = 0):
        self.harness, self.source, self.secret, self.prefix = harness, source, secret, prefix
        self.count, self.course, self.concurrency, self.retry_for = count, course, concurrency, retry_for
        self.first_ms: list[float] = []  # each completion's first attempt
        self.accepted: dict[int, float] = {}  # index → unix time accepted
        self.posted_at: dict[int, float] = {}
        self.retries = 0
        self.over = over  # spread the posts evenly over this many seconds (0: all at once)
        self.thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> "Poster":
        self.thread.start()
        return self

    def join(self) -> "Poster":
        self.thread.join()
        return self

    def _run(self) -> None:
        lock, state = threading.Lock(), {"next": 0}
        begin = time.monotonic()

        def worker():
            clients = {web: Client(f"http://{self.harness.network.address(web)}:8000", timeout=20) for web in WEBS}
            while True:
                with lock:
                    index = state["next"]
                    state["next"] += 1
                if index >= self.count:
                    return
                delay = begin + index * self.over / self.count - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                self._post(clients, index)

        threads = [threading.Thread(target=worker, daemon=True) for _ in range(self.concurrency)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    def _post(self, clients: dict, index: int) -> None:
        email = learner_email(self.prefix, index)
        body = completion_body(email=email, index=index, course=self.course, score=90)
        message_id = f"{self.prefix}{index}"
        deadline = time.monotonic() + self.retry_for
        attempt = 0
        self.posted_at[index] = time.time()
        while time.monotonic() < deadline:
            web = WEBS[(index + attempt) % len(WEBS)]  # both web hosts in turn; a retry tries the other
            timestamp = str(int(time.time()))
            started = time.perf_counter()
            status = clients[web].request("POST", f"/api/v1/sources/{self.source}/events", body=body, headers={
                "content-type": "application/json", "webhook-id": message_id, "webhook-timestamp": timestamp,
                "webhook-signature": signature(self.secret, message_id, timestamp, body)})
            if attempt == 0:
                self.first_ms.append((time.perf_counter() - started) * 1000)
            if status in (200, 202):
                self.accepted[index] = time.time()
                return
            attempt += 1
            self.retries += 1
            time.sleep(1)


class Harness:
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


def _main_pid(wrapper_pid: int) -> int:
    """`ip netns exec` execs its command, so the wrapper's pid is qcluster's main process."""
    return wrapper_pid


def measure_cluster(*, n: int, fault_n: int, outage: float, watchdog: float, faults: list[str], workers: int = 3,
                    log=print) -> dict:
    why_not = available()
    if why_not:
        raise SystemExit(f"cluster: {why_not}")
    if workers < 2:
        raise SystemExit("cluster: --workers must be at least 2 (one is killed or cut while another works)")
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
        harness.close()
        left = harness.network.leftover()
        results["namespaces_left"] = len(left)
        if left:
            log(f"cluster: still present after clean-up: {left}")
    return results
