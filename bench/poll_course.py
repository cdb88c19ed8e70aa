"""Benchmark: requests per poll and seconds per poll of one 1,000-learner course, per polled API.

Runs against the stand-ins the tests use too (stand_ins/lms/) on 127.0.0.1 (TalentLMS v2, Moodle web
services, Canvas REST, an xAPI LRS), on a throw-away SQLite database. For each API: the first poll
(every learner new, 30 % of them complete) and a second poll with nothing new, which is what a
schedule pays every interval. Polls only: processing the events is the pipeline's benchmark.

    .venv/bin/python bench/poll_course.py [--learners 1000] [--completed 0.3]
"""

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "credentials_site.settings")
os.environ.setdefault("LAUREL_VAR_DIR", tempfile.mkdtemp(prefix="laurel-bench-poll-"))
os.environ.pop("DATABASE_URL", None)
os.environ.update({"DEBUG": "1", "LAUREL_ALLOW_PRIVATE_TARGETS": "1", "LOG_LEVEL": "WARNING", "LAUREL_POLL_MAX_REQUESTS": "100000"})

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

from courses.models import Achievement, Course, Organization  # noqa: E402
from issuance.intake.polling import source_poll  # noqa: E402
from issuance.sources.configure import source_configure  # noqa: E402
from stand_ins.lms import CanvasRestServer, LrsServer, MoodleWebServices, TalentLmsServer  # noqa: E402

KEY, SECRET, TOKEN = "bench-key", "bench-secret", "bench-token"


def _learners(count: int, share: float):
    every = max(1, round(1 / share)) if share else 0
    for n in range(1, count + 1):
        yield n, f"learner{n}@example.org", f"Learner {n}", bool(every and n % every == 0)


def servers(count: int, share: float) -> dict:
    made = {}
    lrs = LrsServer(key=KEY, secret=SECRET, page_size=100).start()
    canvas = CanvasRestServer(token=TOKEN, page_cap=100).start()
    moodle = MoodleWebServices(token=TOKEN).start()
    talent = TalentLmsServer(api_key=KEY).start()
    moodle.enrolled["12"] = []
    for n, email, name, done in _learners(count, share):
        canvas.enrol("42", n, email=email, name=name, completed_at="2026-01-05T09:00:00Z" if done else None, final_score=80.0)
        talent.enrol("7", n, email=email, name=name, completed_on="2026-01-05T09:00:00+00:00" if done else None, score=80)
        moodle.users[str(n)] = {"id": n, "email": email, "firstname": "Learner", "lastname": str(n), "fullname": name}
        moodle.enrolled["12"].append(str(n))
        if done:
            moodle.completed.add((str(n), "12"))
            moodle.course_totals[(str(n), "12")] = (40, 50)
            lrs.add(email=email, timestamp="2026-01-05T09:00:00Z", stored=f"2026-01-05T09:{n // 60 % 60:02d}:{n % 60:02d}.{n:06d}Z")
    made["xapi"] = (lrs, {"lrs_url": lrs.endpoint, "lrs_key": KEY, "lrs_secret": SECRET}, None, {})
    made["canvas"] = (canvas, {"canvas_url": canvas.url, "api_token": TOKEN}, None, {"42": "BENCH-1"})
    made["moodle"] = (moodle, {"moodle_url": moodle.url, "ws_token": TOKEN}, "plugin-token", {"12": "BENCH-1"})
    made["talentlms"] = (talent, {"base_url": talent.url}, KEY, {"7": "BENCH-1"})
    return made


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=1000)
    parser.add_argument("--completed", type=float, default=0.3)
    args = parser.parse_args()
    call_command("migrate", "--no-input", verbosity=0)
    org = Organization.objects.create(name="Bench Academy", slug="bench", sender_name="Bench", sender_email="bench@example.org",
                                      notification_email="staff@example.org")
    achievement = Achievement.objects.create(organization=org, name="Bench", description="Bench.", criteria_narrative="Finished.")
    Course.objects.create(organization=org, code="BENCH-1", title="Bench course", achievement=achievement)
    results = {"learners": args.learners, "completed_share": args.completed}
    for dialect, (server, settings, secret, mappings) in servers(args.learners, args.completed).items():
        source, _ = source_configure(organization_slug="bench", slug=f"bench-{dialect}", dialect=dialect, secret=secret,
                                     settings=settings, mappings=mappings)
        figures = {}
        for label in ("first", "again"):
            started = time.monotonic()
            report = source_poll(source=source, enqueue=False)
            figures[label] = {"seconds": round(time.monotonic() - started, 2), "requests": report.requests,
                              "found": report.found, "new": report.new, "outcome": report.outcome}
        results[dialect] = figures
        server.stop()
        print(f"{dialect:10} first poll: {figures['first']['requests']:5} requests, {figures['first']['seconds']:6.2f} s, "
              f"{figures['first']['new']} new · next poll: {figures['again']['requests']:5} requests, {figures['again']['seconds']:6.2f} s",
              file=sys.stderr)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
