"""The system under test: a throw-away database, gunicorn and qcluster processes, all on 127.0.0.1.

embedded:   SQLite in a temporary directory, the django-q2 ORM broker, the database cache.
production: a fresh PostgreSQL database `laurel_bench_<pid>` (or BENCH_POSTGRES_DATABASE; it must not
            exist yet) and Redis database 14 (emptied before and after), both on 127.0.0.1 unless
            BENCH_POSTGRES_URL / BENCH_REDIS_URL say otherwise. BENCH_KEEP=1 keeps the directory and the
            database, to look at a million-row load again without loading it again.
Every process this module starts is its own process group and is stopped by `close()`.
"""

import base64
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from .smtp_sink import free_port

ROOT = Path(__file__).resolve().parent.parent
SECRET = "whsec_" + base64.b64encode(b"laurel-benchmark-signing-key-123").decode()
POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
WEB_THREADS = int(os.environ.get("BENCH_WEB_THREADS", "0"))  # 0: sync workers; docs/deployment.md says why


class Stack:
    def __init__(self, *, profile: str, cpus: int, smtp_port: int, log=print):
        self.profile, self.cpus, self.log = profile, cpus, log
        self.workdir = Path(tempfile.mkdtemp(prefix=f"laurel-bench-{profile}-"))
        self.database = os.environ.get("BENCH_POSTGRES_DATABASE", f"laurel_bench_{os.getpid()}") if profile == "production" else ""
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "REDIS_URL", "LAUREL_EMAIL_ESP"))},
            "DJANGO_SETTINGS_MODULE": "credentials_site.settings",
            "DEBUG": "0",  # measure what production runs, not the debug toolbar of query logging
            "SECRET_KEY": secrets.token_urlsafe(48),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "LAUREL_BASE_URL": "https://credentials.bench.example",
            "SECURE_SSL_REDIRECT": "0",
            # Organisations' badge signing keys are encrypted at rest; production refuses to start without one.
            "LAUREL_KEY_ENCRYPTION_KEY": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
            "LAUREL_VAR_DIR": str(self.workdir / "var"),
            "MEDIA_ROOT": str(self.workdir / "media"),
            "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(smtp_port), "EMAIL_USE_TLS": "0", "EMAIL_USE_SSL": "0",
            "Q_CLUSTER_NAME": f"bench{os.getpid()}",
            "Q_WORKERS": os.environ.get("BENCH_Q_WORKERS", str(cpus)),
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        }
        if profile == "production":
            self.env["DATABASE_URL"] = f"{POSTGRES_URL}/{self.database}"
            self.env["REDIS_URL"] = REDIS_URL
        self.web = None
        self.clusters: list[subprocess.Popen] = []
        self.base_url = ""

    # --- the database ---------------------------------------------------------------------------
    def prepare(self) -> None:
        """Create the database, migrate, collect static files, seed the demo catalogue; set up Django here."""
        if self.profile == "production":
            self._postgres(f'CREATE DATABASE "{self.database}"')
            self._redis_flush()
        os.environ.update(self.env)
        for name in ("DATABASE_URL", "REDIS_URL"):
            if name not in self.env:
                os.environ.pop(name, None)
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        call_command("collectstatic", verbosity=0, interactive=False)
        call_command("seed_demo", admin_password=secrets.token_urlsafe(12), webhook_secret=SECRET, stdout=open(os.devnull, "w"))
        from issuance.models import Source

        # The benchmark measures throughput, not the per-source safety limit.
        Source.objects.filter(slug="demo").update(rate_limit_per_minute=10**9)
        from django.db import connections

        connections.close_all()

    def _postgres(self, statement: str) -> None:
        import psycopg

        with psycopg.connect(f"{POSTGRES_URL}/postgres", autocommit=True) as connection:
            connection.execute(statement)

    def _redis_flush(self) -> None:
        import redis

        redis.Redis.from_url(REDIS_URL).flushdb()

    def manage(self, *args: str) -> list[str]:
        return [sys.executable, str(ROOT / "manage.py"), *args]

    # --- processes ------------------------------------------------------------------------------
    def _spawn(self, command: list[str], name: str) -> subprocess.Popen:
        log = open(self.workdir / f"{name}.log", "ab")
        return subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    def start_web(self) -> str:
        """gunicorn as docs/deployment.md recommends: a sync worker per core (BENCH_WEB_THREADS=n: gthread)."""
        port = free_port()
        workers = ["--worker-class", "gthread", "--threads", str(WEB_THREADS)] if WEB_THREADS else []  # 0: sync
        self.web = self._spawn([sys.executable, "-m", "gunicorn", "credentials_site.wsgi", "--workers", str(self.cpus),
                                *workers, "--bind", f"127.0.0.1:{port}", "--log-level", "warning"], "gunicorn")
        self.base_url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"{self.base_url}/healthz", timeout=2)
                return self.base_url
            except urllib.error.HTTPError:
                return self.base_url  # answering, if not healthy (e.g. no worker yet)
            except OSError:
                if self.web.poll() is not None:
                    break
                time.sleep(0.1)
        raise RuntimeError(f"gunicorn did not start; see {self.workdir / 'gunicorn.log'}")

    def start_workers(self, clusters: int = 1) -> None:
        for number in range(clusters):
            self.clusters.append(self._spawn(self.manage("qcluster"), f"qcluster-{len(self.clusters) + number}"))

    def stop_workers(self) -> None:
        for process in self.clusters:
            _kill_group(process, signal.SIGKILL)  # all work is committed; a graceful stop only costs time
        self.clusters = []

    def stop_web(self) -> None:
        if self.web is not None:
            _kill_group(self.web, signal.SIGTERM)
            self.web = None

    def cpu_seconds(self) -> float:
        """CPU time used so far by every process of the web server and the workers (with reaped children).

        Unlike wall-clock rates, this does not change when other jobs share the machine.
        """
        groups = {p.pid for p in [self.web, *self.clusters] if p is not None}
        ticks = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue  # the process ended while we looked
            if int(fields[2]) in groups:  # field 5, the process group
                ticks += sum(int(value) for value in fields[11:15])  # utime stime cutime cstime
        return ticks / os.sysconf("SC_CLK_TCK")

    def close(self) -> None:
        self.stop_workers()
        self.stop_web()
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # Django may never have been set up
            pass
        if self.profile == "production" and not os.environ.get("BENCH_KEEP"):
            try:
                self._postgres(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
                self._redis_flush()
            except Exception as exc:  # report, and still remove the files
                self.log(f"cleanup: {exc}")
        if os.environ.get("BENCH_KEEP"):
            self.log(f"kept {self.workdir}" + (f" and the database {self.database}" if self.database else ""))
        else:
            shutil.rmtree(self.workdir, ignore_errors=True)


def _kill_group(process: subprocess.Popen, sig: int) -> None:
    if process.poll() is None:
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            pass
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
