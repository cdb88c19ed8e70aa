"""Running a real `manage.py qcluster` against the test database, on the ORM or the Redis broker."""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.db import connection
from django_q.conf import Conf

from tests.services import require_redis

ROOT = Path(settings.BASE_DIR)


def test_redis_url() -> str:
    # A database number of its own, so other suites using Redis on this machine are not disturbed.
    return os.environ.get("LAUREL_TEST_REDIS_URL") or os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/11"


def database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class Cluster:
    """One qcluster process group. `kill()` is SIGKILL to every process in it, as an OOM killer would."""

    def __init__(self, *, broker: str, smtp_port: int, media_root: Path, monkeypatch, workers: int = 2,
                 redis_url: str | None = None, env: dict | None = None):
        if broker == "redis":
            require_redis(redis_url or test_redis_url(), install="apt-get install redis-server, or set LAUREL_TEST_REDIS_URL")
        self.name = f"laurel-test-{uuid.uuid4().hex[:8]}"
        redis_url = redis_url or test_redis_url()
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "REDIS_URL": redis_url if broker == "redis" else "",
            "Q_CLUSTER_NAME": self.name,
            "Q_WORKERS": str(workers),
            "Q_TIMEOUT": "20",
            "Q_RETRY": "30",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(smtp_port),
            "EMAIL_USE_TLS": "0",
            "MEDIA_ROOT": str(media_root),
            "LAUREL_CLAIM_SECONDS": "5",
            "LAUREL_OUTBOX_STUCK_SECONDS": "25",  # just over Q_TIMEOUT: a killed send is retried soon
            "LOG_LEVEL": "WARNING",
            **(env or {}),
        }
        if broker != "redis":
            self.env.pop("REDIS_URL")
        # This process enqueues too (issuance_start, the sweep): point it at the same broker and queue.
        monkeypatch.setattr(Conf, "CLUSTER_NAME", self.name)
        monkeypatch.setattr(Conf, "PREFIX", self.name)
        monkeypatch.setattr(Conf, "ORM", None if broker == "redis" else "default")
        monkeypatch.setattr(Conf, "REDIS", redis_url if broker == "redis" else {})
        self.process = None
        self.log = open(media_root.parent / f"{self.name}.log", "ab")

    def start(self):
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "qcluster"], cwd=ROOT, env=self.env,
            stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        return self

    def kill(self):
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def terminate_group(self, *, within: float) -> bool:
        """SIGTERM to every process in the group, as systemd stops a service; True if it exited in time."""
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=within)
        except subprocess.TimeoutExpired:
            return False
        return True

    def stop(self):
        # Everything the cluster did is committed; a graceful SIGTERM shutdown only costs the suite time.
        if self.process and self.process.poll() is None:
            self.kill()
        self.log.close()


def wait_until(predicate, *, timeout: float, every: float = 0.2, on_wait=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        if on_wait:
            on_wait()
        time.sleep(every)
    return predicate()
