"""`manage.py demo_push`: send Demo Academy's sample completions through the pipeline and say where to look.

Until intake lands these go straight to `issuance_start`; the malformed one is refused here the way
intake's validation would refuse it.
"""

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from courses.models import Course
from issuance.completions import Completion
from issuance.pipeline import issuance_start

SAMPLES = [
    ("a pass", {"course": "FA-101", "name": "Ada Lovelace", "email": "ada@learners.example", "score": "92"}),
    ("a fail", {"course": "FA-101", "name": "Charles Babbage", "email": "charles@learners.example", "score": "72"}),
    ("a prerequisite missing", {"course": "FA-201", "name": "Grace Hopper", "email": "grace@learners.example", "attendance": "95"}),
    ("a malformed one", {"course": "FA-101", "name": "No Email", "email": "", "score": "eighty"}),
]


def _problems(sample: dict) -> list[str]:
    problems = []
    if "@" not in sample["email"]:
        problems.append(f"email {sample['email']!r} is not an address")
    for key in ("score", "attendance"):
        if key in sample and not sample[key].replace(".", "", 1).isdigit():
            problems.append(f"{key} {sample[key]!r} is not a number")
    return problems


class Command(BaseCommand):
    help = "Push the demo's sample completions (a pass, a fail, a missing prerequisite, a malformed one)."

    def handle(self, *args, **options):
        courses = {c.code: c for c in Course.objects.filter(organization__slug="demo-academy")}
        if not courses:
            raise CommandError("Demo Academy is not loaded; run `manage.py seed_demo` first.")
        admin = f"{settings.LAUREL_BASE_URL}/admin/issuance/issuance"
        run = uuid.uuid4().hex[:6]  # a fresh address per run, so a second demo is not a duplicate
        for label, sample in SAMPLES:
            problems = _problems(sample)
            if problems:
                self.stdout.write(f"  {label}: refused before the pipeline ({'; '.join(problems)}).")
                continue
            local, _, domain = sample["email"].partition("@")
            completion = Completion(
                course_id=courses[sample["course"]].pk, email=f"{local}+{run}@{domain}", name=sample["name"],
                completed_at=timezone.now(),
                score=Decimal(sample["score"]) if "score" in sample else None,
                attendance=Decimal(sample["attendance"]) if "attendance" in sample else None,
            )
            issuance = issuance_start(completion=completion, actor_label="demo")
            self.stdout.write(f"  {label}: {admin}/{issuance.pk}/change/  (API: /api/v1/issuances/{issuance.pk})")
        self.stdout.write(f"  Emails land in {settings.MAIL_DIR if 'EmlFile' in settings.EMAIL_BACKEND else 'the configured email backend'}.")
