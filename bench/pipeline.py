"""Parts 2 and 3: credentials per minute from the first POST to the last email, and latency at a steady rate."""

import time
import uuid

from .figures import LoadProcess, Progress, load_average, percentile
from .load import learner_email
from .stack import SECRET, Stack
from .smtp_sink import ArrivalSink


def _post(stack: Stack, *, prefix: str, count: int, rate: float = 0, concurrency: int = 4) -> LoadProcess:
    return LoadProcess("post", "--url", f"{stack.base_url}/api/v1/sources/demo/events", "--secret", SECRET,
                       "--prefix", prefix, "--count", str(count), "--rate", str(rate), "--concurrency", str(concurrency),
                       "--max-seconds", "600", out=stack.workdir / f"{prefix}load.json", env=stack.env)


def ensure_running(stack: Stack, sink: ArrivalSink, *, clusters: int = 1, log=print) -> None:
    """Web and workers up, and warm: a few credentials issued end to end before anything is timed."""
    if not stack.base_url or stack.web is None:
        stack.start_web()
    if not stack.clusters:
        stack.start_workers(clusters)
        prefix = f"warm-{uuid.uuid4().hex[:6]}-"
        count = 4 * stack.cpus * clusters
        _post(stack, prefix=prefix, count=count).records()
        arrived = sink.wait_for(prefix=prefix, count=count, deadline=time.monotonic() + 180)
        if len(arrived) < count:
            raise RuntimeError(f"warm-up: only {len(arrived)} of {count} credentials arrived in 180 s; see {stack.workdir}")
        log(f"  warm: {count} credentials issued end to end")


def measure_pipeline(*, stack: Stack, sink: ArrivalSink, count: int, clusters: int = 1, log=print) -> dict:
    ensure_running(stack, sink, clusters=clusters, log=log)
    load_start, cpu_start = load_average(), stack.cpu_seconds()
    prefix = f"pipe-{uuid.uuid4().hex[:6]}-"
    load = _post(stack, prefix=prefix, count=count, concurrency=2 * stack.cpus)
    arrived = sink.wait_for(prefix=prefix, count=count, deadline=time.monotonic() + 120 + count * 0.5,
                            on_wait=Progress("pipeline emails", count, log=log))
    cpu = stack.cpu_seconds() - cpu_start
    records = load.records()
    accepted = [r for r in records if r[1] == 202]
    first_post = min(r[3] for r in records)
    last_post = max(r[4] for r in records)
    last_email = max(arrived.values()) if arrived else time.time()
    elapsed = last_email - first_post
    return {
        "pipeline_per_min": round(len(arrived) / elapsed * 60),
        "pipeline_count": count,
        "pipeline_delivered": len(arrived),
        "pipeline_accepted": len(accepted),
        "pipeline_clusters": clusters,
        "duplicate_emails": sink.handler.duplicates,
        "pipeline_posting_s": round(last_post - first_post, 1),
        "pipeline_elapsed_s": round(elapsed, 1),
        # Web and workers together, intake included; compare with pdf_cpu_ms_per_render.
        "pipeline_cpu_ms_per_credential": round(cpu / max(1, len(arrived)) * 1000, 1),
        "load_pipeline": [load_start, load_average()],
    }


def measure_latency(*, stack: Stack, sink: ArrivalSink, count: int, rate: float = 5.0, log=print) -> dict:
    ensure_running(stack, sink, log=log)
    load_start = load_average()
    prefix = f"lat-{uuid.uuid4().hex[:6]}-"
    load = _post(stack, prefix=prefix, count=count, rate=rate, concurrency=4)
    arrived = sink.wait_for(prefix=prefix, count=count, deadline=time.monotonic() + count / rate + 90,
                            on_wait=Progress("latency emails", count, log=log))
    records = load.records()
    latencies = [arrived[learner_email(prefix, r[0])] - r[3] for r in records if learner_email(prefix, r[0]) in arrived]
    return {
        "latency_p50_s": round(percentile(latencies, 0.50), 3),
        "latency_p95_s": round(percentile(latencies, 0.95), 3),
        "latency_p99_s": round(percentile(latencies, 0.99), 3),
        "latency_count": count,
        "latency_delivered": len(latencies),
        "latency_rate_per_s": rate,
        "load_latency": [load_start, load_average()],
    }
