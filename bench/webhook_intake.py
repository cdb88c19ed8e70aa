"""Benchmark: accepted webhook events per second and latency percentiles against gunicorn.

Starts a throw-away database (SQLite in a temporary LAUREL_VAR_DIR unless DATABASE_URL is set),
seeds the demo source, runs gunicorn with 2 workers on 127.0.0.1, and posts signed generic events
with unique webhook-ids from N client threads. No queue worker runs, so this measures the receiver
alone with the queue backing up, as during an LMS burst.

    .venv/bin/python bench/webhook_intake.py --requests 2000 --concurrency 8
"""

import argparse
import base64
import hashlib
import hmac
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
from smtp_sink import free_port  # run as a script: bench/ is on the path

ROOT = Path(__file__).resolve().parent.parent
SECRET = "whsec_" + base64.b64encode(b"benchmark-key-benchmark-key-1234").decode()


def sign(message_id: str, timestamp: str, body: bytes) -> str:
    key = base64.b64decode(SECRET.removeprefix("whsec_"))
    digest = hmac.new(key, f"{message_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    env = {**os.environ, "DEBUG": "1", "LOG_LEVEL": "WARNING"}
    tmp = tempfile.mkdtemp(prefix="laurel-bench-")
    env.setdefault("LAUREL_VAR_DIR", tmp)
    python = sys.executable
    manage = [python, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--no-input", "-v", "0"], env=env, check=True, cwd=ROOT)
    subprocess.run([*manage, "seed_demo", "--admin-password", "bench", "--webhook-secret", SECRET], env=env, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    subprocess.run(
        [*manage, "shell", "-c", "from issuance.models import Source; Source.objects.filter(slug='demo').update(rate_limit_per_minute=10**9)"],
        env=env, check=True, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    port = free_port()
    server = subprocess.Popen(
        [python, "-m", "gunicorn", "credentials_site.wsgi", "--workers", str(args.workers), "--bind", f"127.0.0.1:{port}", "--log-level", "warning"],
        env=env, cwd=ROOT,
    )
    url = f"http://127.0.0.1:{port}/api/v1/sources/demo/events"
    try:
        for _ in range(100):
            try:
                requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
                break
            except requests.RequestException:  # not listening yet, or a cold worker still importing
                time.sleep(0.1)
        sessions: dict[int, requests.Session] = {}

        def send(n: int) -> tuple[int, float]:
            import threading

            session = sessions.setdefault(threading.get_ident(), requests.Session())
            body = json.dumps({
                "type": "course.completed",
                "data": {"learner": {"id": f"u-{n}", "email": f"learner{n}@example.org", "name": f"Learner {n}"},
                         "course": {"id": "FA-101"}, "completed_at": "2026-01-05T09:58:00Z", "score": 90},
            }).encode()
            message_id, timestamp = f"bench-{n}-{time.time_ns()}", str(int(time.time()))
            headers = {"content-type": "application/json", "webhook-id": message_id,
                       "webhook-timestamp": timestamp, "webhook-signature": sign(message_id, timestamp, body)}
            started = time.perf_counter()
            response = session.post(url, data=body, headers=headers, timeout=30)
            return response.status_code, time.perf_counter() - started

        for n in range(20):  # warm up both workers' connections and imports
            send(-1 - n)
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=args.concurrency) as pool:
            results = list(pool.map(send, range(args.requests)))
        elapsed = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=10)

    accepted = [latency for status, latency in results if status == 202]
    codes: dict[int, int] = {}
    for status, _ in results:
        codes[status] = codes.get(status, 0) + 1
    latencies = sorted(latency for _, latency in results)
    quantiles = statistics.quantiles(latencies, n=100)
    database = "PostgreSQL" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "SQLite"
    print(f"database: {database}; gunicorn workers: {args.workers}; client threads: {args.concurrency}")
    print(f"requests: {len(results)}; status codes: {codes}")
    print(f"accepted per second: {len(accepted) / elapsed:.0f}")
    print(f"latency ms: p50 {quantiles[49] * 1000:.1f}, p90 {quantiles[89] * 1000:.1f}, p99 {quantiles[98] * 1000:.1f}, max {latencies[-1] * 1000:.1f}")


if __name__ == "__main__":
    main()
