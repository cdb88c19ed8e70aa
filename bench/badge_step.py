"""Benchmark: the pipeline's badge step per credential (status indexes, build, sign, store, next state).

Starts a throw-away database (SQLite in a temporary LAUREL_VAR_DIR unless DATABASE_URL is set),
seeds the demo, puts N issuances at `rendered` (certificate rendering is measured elsewhere) and
times `issuance_advance` on each, which runs the badge step under the worker's claim.

    .venv/bin/python bench/badge_step.py [--count 200]
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def django_ready() -> None:
    """Point this process at a fresh embedded database and set Django up (call before any Django import)."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("LAUREL_VAR_DIR", tempfile.mkdtemp(prefix="laurel-bench-"))
    os.environ.update({"DEBUG": "1", "LOG_LEVEL": "WARNING", "DJANGO_SETTINGS_MODULE": "credentials_site.settings"})
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    call_command("seed_demo", admin_password="bench", stdout=open(os.devnull, "w"))


def issuances_at_rendered(count: int) -> list:
    """`count` issuances of FA-101 waiting for the badge step, each with its credential row."""
    from django.utils import timezone

    from courses.models import Course
    from issuance.models import Credential, Issuance, Learner

    course = Course.objects.select_related("organization", "achievement").get(code="FA-101")
    version = course.ruleset.current_version
    now = timezone.now()
    made = []
    for n in range(count):
        learner = Learner.objects.create(organization=course.organization, email=f"bench{n}-{now.timestamp()}@learners.example",
                                         name=f"Bench Learner {n}")
        issuance = Issuance.objects.create(
            organization=course.organization, learner=learner, course=course, achievement=course.achievement,
            learner_name=learner.name, state=Issuance.State.RENDERED, ruleset_version=version,
            completion={"course_id": course.pk, "email": learner.email, "name": learner.name,
                        "completed_at": now.isoformat(), "score": "91", "attendance": None, "extra": {}},
        )
        Credential.objects.create(issuance=issuance, learner=learner, achievement=course.achievement, issued_at=now,
                                  valid_from=now, pdf_sha256="0" * 64)
        made.append(issuance.pk)
    return made


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200)
    count = parser.parse_args().count
    django_ready()
    from django.db import connection

    from issuance.models import Issuance
    from issuance.step_queue import issuance_enqueue  # noqa: F401 (imported so the first advance pays no import)
    from issuance.worker import issuance_advance

    ids = issuances_at_rendered(count + 5)
    for issuance_id in ids[:5]:  # warm-up: imports, contexts, the first status list
        issuance_advance(issuance_id=issuance_id)
    samples = []
    for issuance_id in ids[5:]:
        start = time.perf_counter()
        issuance_advance(issuance_id=issuance_id)
        samples.append(time.perf_counter() - start)
    badged = Issuance.objects.filter(pk__in=ids, state=Issuance.State.BADGED).count()
    print(f"database: {connection.vendor}; credentials badged: {badged}/{len(ids)}")
    print(f"badge step per credential: median {statistics.median(samples) * 1000:.1f} ms, "
          f"p95 {percentile(samples, 0.95) * 1000:.1f} ms, p99 {percentile(samples, 0.99) * 1000:.1f} ms "
          f"({count} runs; {count / sum(samples):.0f} credentials/s on one process)")


if __name__ == "__main__":
    main()
