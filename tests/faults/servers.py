"""A PostgreSQL cluster and a Redis server of the test's own, on free ports in temporary directories.

The machine's shared servers are never restarted: other suites use them. These are, as an outage
would: stopped (fast, or immediately as a crash would) and started again on the same port.
"""

import glob
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from bench.smtp_sink import free_port
from tests.services import port_answers, require_program, service_missing

POSTGRES_INSTALL = "apt-get install postgresql"


def postgres_programs() -> Path:
    """The folder holding Debian's initdb and pg_ctl (the newest version installed), or skip/fail."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda path: int(Path(path).parts[-3]))
    if not found:
        service_missing("the PostgreSQL server programs (initdb, pg_ctl)", POSTGRES_INSTALL)
    return Path(found[-1]).parent


def _wait_for_port(port: int, *, up: bool, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while port_answers("127.0.0.1", port) != up:
        if time.monotonic() > deadline:
            raise RuntimeError(f"127.0.0.1:{port} still {'down' if up else 'up'} after {timeout} s")
        time.sleep(0.1)


class PrivatePostgres:
    """`initdb` into a temporary directory (as the `postgres` user when run as root), then `pg_ctl`."""

    def __init__(self):
        self.programs = postgres_programs()
        self.port = free_port()
        self.directory = Path(tempfile.mkdtemp(prefix="laurel-fault-pg-"))
        self.data = self.directory / "data"
        # PostgreSQL refuses to run as root; the directory must then belong to the user it runs as.
        # As root, initdb must run as the postgres user; util-linux provides runuser.
        self.run_as = [require_program("runuser", package="util-linux"), "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.run_as:
            shutil.chown(self.directory, user="postgres")

    def _run(self, program: str, *args: str) -> None:
        result = subprocess.run([*self.run_as, str(self.programs / program), *args], capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            raise RuntimeError(f"{program} {' '.join(args)} failed: {result.stdout}{result.stderr}")

    def init(self) -> "PrivatePostgres":
        self._run("initdb", "-D", str(self.data), "--auth=trust", "--username=postgres", "--encoding=UTF8",
                  "--locale=C", "--no-sync")
        return self

    def start(self) -> "PrivatePostgres":
        # fsync off: a process restart loses nothing committed (the OS keeps the files); only a machine crash would.
        options = (f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.directory} "
                   "-c fsync=off -c full_page_writes=off -c max_connections=50")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.directory / "server.log"), "-o", options, "-w", "-t", "60", "start")
        _wait_for_port(self.port, up=True)
        return self

    def stop(self, *, mode: str = "fast") -> None:
        """`fast`: what an operator's restart does (clients are disconnected); `immediate`: as if it crashed."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")
        _wait_for_port(self.port, up=False)

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def close(self) -> None:
        if (self.data / "postmaster.pid").exists():
            try:
                self.stop(mode="immediate")
            except RuntimeError:
                pass
        shutil.rmtree(self.directory, ignore_errors=True)

    def log_tail(self, lines: int = 30) -> str:
        path = self.directory / "server.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""


class PrivateRedis:
    """`redis-server` with nothing persisted: stopping it loses every queued task, as a crash of a cache node does."""

    def __init__(self):
        self.program = require_program("redis-server", package="redis-server")
        self.port = free_port()
        self.directory = Path(tempfile.mkdtemp(prefix="laurel-fault-redis-"))
        self.process = None

    def start(self) -> "PrivateRedis":
        log = open(self.directory / "server.log", "ab")
        self.process = subprocess.Popen(
            [self.program, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.directory)],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        log.close()
        _wait_for_port(self.port, up=True)
        return self

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        _wait_for_port(self.port, up=False)

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def close(self) -> None:
        self.kill()
        shutil.rmtree(self.directory, ignore_errors=True)
