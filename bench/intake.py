"""Parts 4 and 5: the webhook receiver alone (workers stopped), and a generated CSV file imported from the shell."""

import csv
import os
import subprocess
import time
import uuid

from .figures import LoadProcess, load_average, percentile
from .stack import SECRET, Stack


def _post(stack: Stack, *, prefix: str, count: int, rate: float, concurrency: int) -> list:
    return LoadProcess("post", "--url", f"{stack.base_url}/api/v1/sources/demo/events", "--secret", SECRET,
                       "--prefix", prefix, "--count", str(count), "--rate", str(rate), "--concurrency", str(concurrency),
                       "--max-seconds", "300", out=stack.workdir / f"{prefix}load.json", env=stack.env).records()


def measure_intake(*, stack: Stack, burst: int, steady: int, steady_rate: float = 200.0, log=print) -> dict:
    stack.stop_workers()  # the receiver alone, with the queue backing up, as during an LMS burst
    if stack.web is None:
        stack.start_web()
    _post(stack, prefix=f"iwarm-{uuid.uuid4().hex[:6]}-", count=20 * stack.cpus, rate=0, concurrency=2 * stack.cpus)
    load_start = load_average()
    records = _post(stack, prefix=f"burst-{uuid.uuid4().hex[:6]}-", count=burst, rate=0, concurrency=4 * stack.cpus)
    accepted = [r for r in records if r[1] == 202]
    elapsed = max(r[4] for r in records) - min(r[3] for r in records)
    load_burst = [load_start, load_average()]
    log(f"  burst: {len(accepted)}/{burst} accepted in {elapsed:.1f} s")
    time.sleep(2)
    load_start = load_average()
    records = _post(stack, prefix=f"steady-{uuid.uuid4().hex[:6]}-", count=steady, rate=steady_rate, concurrency=16)
    # From the moment each request was due, so a backed-up client cannot hide the server's delays.
    response_ms = [(r[4] - r[2]) * 1000 for r in records]
    return {
        "intake_events_per_s": round(len(accepted) / elapsed),
        "intake_burst_count": burst,
        "intake_burst_refused": burst - len(accepted),
        "intake_p50_ms_at_200": round(percentile(response_ms, 0.50), 1),
        "intake_p99_ms_at_200": round(percentile(response_ms, 0.99), 1),
        "intake_steady_count": steady,
        "intake_steady_refused": sum(1 for r in records if r[1] != 202),
        "load_intake": load_burst,
        "load_intake_at_200": [load_start, load_average()],
    }


def write_completions_csv(path, *, rows: int, prefix: str) -> None:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["email", "name", "course", "completed_at", "learner_id", "score", "attendance"])
        for n in range(rows):
            writer.writerow([f"{prefix}{n}@bench.example", f"Bench Learner Nº{n}", "FA-101", "2026-11-26T09:58:00Z", f"{prefix}{n}", 86, 100])


def measure_csv(*, stack: Stack, rows: int, log=print) -> dict:
    stack.stop_workers()  # seconds to validate and queue; processing is the pipeline's figure
    path = stack.workdir / f"completions-{rows}.csv"
    write_completions_csv(path, rows=rows, prefix=f"csv-{uuid.uuid4().hex[:6]}-")
    load_start = load_average()
    started = time.perf_counter()
    # --yes-send: the operator's confirmation of the count, which the import checks above LAUREL_BULK_CONFIRM_OVER.
    process = subprocess.Popen(stack.manage("import_completions", str(path), "--source", "demo", "--yes-send", str(rows)),
                               cwd=stack.workdir, env=stack.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    output = process.stdout.read().decode(errors="replace")
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0 or f"{rows} stored" not in output:
        raise RuntimeError(f"import_completions did not store every row: {output[-500:]}")
    log(f"  csv: {output.strip().splitlines()[-1]}")
    return {
        "csv_10k_s": round(elapsed, 2),
        "csv_10k_peak_mb": round(usage.ru_maxrss / 1024),  # Linux reports kilobytes
        "csv_rows": rows,
        "load_csv": [load_start, load_average()],
    }
