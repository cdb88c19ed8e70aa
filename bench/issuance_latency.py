#!/usr/bin/env python
"""How long one issuance takes from `issuance_start` to the SMTP server accepting its email.

Runs a real `manage.py qcluster` on a throw-away SQLite database (or PostgreSQL via DATABASE_URL)
and a real SMTP server on 127.0.0.1, then pushes passing completions one at a time.

    .venv/bin/python bench/issuance_latency.py --broker orm --count 20
    .venv/bin/python bench/issuance_latency.py --broker redis --redis-url redis://127.0.0.1:6379/11
"""

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--broker", choices=["orm", "redis"], default="orm")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/11")
    parser.add_argument("--count", type=int, default=20)
    args = parser.parse_args()

    from stand_ins.smtp import SmtpServer

    smtp = SmtpServer().start()
    arrived = {}
    record = smtp.handler.handle_DATA

    async def timed(server, session, envelope):
        arrived[envelope.rcpt_tos[0]] = time.perf_counter()
        return await record(server, session, envelope)

    smtp.handler.handle_DATA = timed
    var = tempfile.mkdtemp(prefix="laurel-bench-")
    os.environ.update(
        LAUREL_VAR_DIR=var, EMAIL_HOST="127.0.0.1", EMAIL_PORT=str(smtp.port), EMAIL_USE_TLS="0",
        Q_CLUSTER_NAME=f"bench-{uuid.uuid4().hex[:6]}", LOG_LEVEL="WARNING", DJANGO_SETTINGS_MODULE="credentials_site.settings",
    )
    if args.broker == "redis":
        os.environ["REDIS_URL"] = args.redis_url
    else:
        os.environ.pop("REDIS_URL", None)

    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from courses.models import Course
    from issuance.completions import Completion
    from issuance.pipeline import issuance_start

    call_command("migrate", verbosity=0)
    call_command("seed_demo", admin_password="bench", stdout=open(os.devnull, "w"))
    course = Course.objects.get(code="FA-101")
    cluster = subprocess.Popen([sys.executable, "manage.py", "qcluster"], cwd=ROOT, start_new_session=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        timings = []
        for n in range(args.count + 1):  # the first one warms the cluster up and is not counted
            email = f"bench{n}@learners.example"
            started = time.perf_counter()
            issuance_start(completion=Completion(course_id=course.pk, email=email, name=f"Bench {n}",
                                                 completed_at=timezone.now(), score=Decimal(90)))
            deadline = started + 60
            while email not in arrived and time.perf_counter() < deadline:
                time.sleep(0.005)
            if email not in arrived:
                sys.exit(f"issuance {n} did not reach the SMTP server within 60 s")
            if n:
                timings.append((arrived[email] - started) * 1000)
    finally:
        os.killpg(cluster.pid, signal.SIGKILL)  # a SIGTERM shutdown of qcluster can take a while; state is committed
        cluster.wait()
        smtp.stop()
    timings.sort()
    print(f"broker={args.broker} database={'sqlite' if 'DATABASE_URL' not in os.environ else 'DATABASE_URL'} "
          f"issuances={len(timings)}")
    print(f"issuance_start → SMTP accepted: median {statistics.median(timings):.0f} ms, "
          f"p90 {timings[int(len(timings) * 0.9) - 1]:.0f} ms, min {timings[0]:.0f} ms, max {timings[-1]:.0f} ms")


if __name__ == "__main__":
    main()
