"""Benchmark: public credential page latency (p50/p99) with a warm cache, against gunicorn.

Issues N badges through the badge step on a throw-away database, starts gunicorn (2 workers) on
127.0.0.1, opens every page once to warm the cache, then requests pages in random order from
client threads. The status is read live on every request; the rest comes from the cache.

    .venv/bin/python bench/public_page.py [--credentials 50] [--requests 2000] [--concurrency 4]
"""

import argparse
import os
import random
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import requests

from badge_step import ROOT, django_ready, issuances_at_rendered, percentile
from smtp_sink import free_port


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--credentials", type=int, default=50)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    port = free_port()
    os.environ["LAUREL_BASE_URL"] = f"http://127.0.0.1:{port}"
    django_ready()
    from issuance.models import Credential
    from issuance.worker import issuance_advance

    ids = issuances_at_rendered(args.credentials)
    for issuance_id in ids:
        issuance_advance(issuance_id=issuance_id)
    urls = [f"http://127.0.0.1:{port}/credentials/{pk}" for pk in Credential.objects.filter(issuance_id__in=ids)
            .values_list("pk", flat=True)]
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "credentials_site.wsgi", "--workers", str(args.workers),
         "--bind", f"127.0.0.1:{port}", "--log-level", "warning"], env=os.environ.copy(), cwd=ROOT,
    )
    try:
        for _ in range(100):
            try:
                requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except requests.RequestException:
                time.sleep(0.1)
        warm = requests.Session()
        for url in urls:
            assert warm.get(url, timeout=10).status_code == 200
        sessions: dict[int, requests.Session] = {}

        def fetch(n: int) -> float:
            import threading

            session = sessions.setdefault(threading.get_ident(), requests.Session())
            start = time.perf_counter()
            response = session.get(random.choice(urls), timeout=10)
            elapsed = time.perf_counter() - start
            assert response.status_code == 200 and b"Valid credential" in response.content
            return elapsed

        started = time.perf_counter()
        with ThreadPoolExecutor(args.concurrency) as pool:
            samples = list(pool.map(fetch, range(args.requests)))
        wall = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=10)
    database = "PostgreSQL" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "SQLite"
    print(f"database: {database}; gunicorn workers: {args.workers}; client threads: {args.concurrency}; "
          f"{len(urls)} credentials, warm cache")
    print(f"public page: p50 {percentile(samples, 0.50) * 1000:.1f} ms, p99 {percentile(samples, 0.99) * 1000:.1f} ms, "
          f"{args.requests / wall:.0f} pages/s")


if __name__ == "__main__":
    main()
