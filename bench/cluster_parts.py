"""The multi-host harness's parts (bench/cluster.py): its constants, the supervisor each worker host runs
under (as systemd would), and the load client that posts completions to the web hosts in turn."""

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

    def __init__(self, harness, host: str, watchdog: float):
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

    def __init__(self, harness, *, source: str, secret: str, prefix: str, count: int, course: str,
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
