"""Part 6: the public verification page under concurrent requests (its PDF while the page is not built yet)."""

import urllib.error
import urllib.request
import uuid

from .figures import LoadProcess, load_average, percentile
from .stack import Stack

CREDENTIALS = 50


def _credential_ids(*, minimum: int) -> list[str]:
    """Credentials with a certificate; when earlier parts made none, issue a few here, in this process."""
    from django.db import connections
    from django.utils import timezone

    from courses.models import Course
    from issuance.completions import Completion
    from issuance.models import Credential
    from issuance.pipeline import issuance_start
    from issuance.worker import issuance_advance

    ids = [str(pk) for pk in Credential.objects.exclude(pdf="").values_list("pk", flat=True)[:CREDENTIALS]]
    if len(ids) < minimum:
        course = Course.objects.get(code="FA-101")
        for n in range(minimum - len(ids)):
            issuance = issuance_start(completion=Completion(
                course_id=course.pk, email=f"verify-{uuid.uuid4().hex[:8]}@bench.example", name=f"Verify Learner {n}",
                completed_at=timezone.now(), score=90))
            while issuance_advance(issuance_id=issuance.pk) is not None:
                pass
        ids = [str(pk) for pk in Credential.objects.exclude(pdf="").values_list("pk", flat=True)[:CREDENTIALS]]
    connections.close_all()
    return ids


def _status(url: str) -> int:
    try:
        return urllib.request.urlopen(url, timeout=10).status
    except urllib.error.HTTPError as exc:
        return exc.code


def measure_verify(*, stack: Stack, count: int, log=print) -> dict:
    stack.stop_workers()
    if stack.web is None:
        stack.start_web()
    ids = _credential_ids(minimum=10)
    page_status = _status(f"{stack.base_url}/credentials/{ids[0]}")
    if page_status == 200:
        suffix, prefix = "", "verify"
    elif page_status == 404:
        log("  verify: the verification page /credentials/<uuid> answers 404 (not built yet); "
            "measuring /credentials/<uuid>.pdf instead, reported as verify_pdf_*")
        suffix, prefix = ".pdf", "verify_pdf"
        if _status(f"{stack.base_url}/credentials/{ids[0]}.pdf") != 200:
            log("  verify: skipped, /credentials/<uuid>.pdf does not answer 200 either")
            return {}
    else:
        raise RuntimeError(f"/credentials/{ids[0]} answered {page_status}")
    paths = stack.workdir / "verify-paths.txt"
    paths.write_text("".join(f"/credentials/{pk}{suffix}\n" for pk in ids))
    LoadProcess("get", "--url", stack.base_url, "--paths", str(paths), "--count", str(4 * stack.cpus * 5),
                "--concurrency", str(4 * stack.cpus), out=stack.workdir / "verify-warm.json", env=stack.env).records()
    load_start = load_average()
    records = LoadProcess("get", "--url", stack.base_url, "--paths", str(paths), "--count", str(count),
                          "--concurrency", str(4 * stack.cpus), "--max-seconds", "120",
                          out=stack.workdir / "verify-load.json", env=stack.env).records()
    failed = sum(1 for r in records if r[1] != 200)
    if failed:
        raise RuntimeError(f"{failed} of {len(records)} verification requests did not answer 200")
    elapsed = max(r[4] for r in records) - min(r[3] for r in records)
    response_ms = [(r[4] - r[3]) * 1000 for r in records]
    return {
        f"{prefix}_p50_ms": round(percentile(response_ms, 0.50), 1),
        f"{prefix}_p99_ms": round(percentile(response_ms, 0.99), 1),
        f"{prefix}_per_s": round(len(records) / elapsed),
        f"{prefix}_concurrency": 4 * stack.cpus,
        "load_verify": [load_start, load_average()],
    }
