"""Benchmark: median render time (PDF/A-3b with the credential embedded, as issued) of the default certificates, cold and warm, and certificates/minute on 2 processes.

Usage: .venv/bin/python bench/render_certificates.py [WARM_RENDERS] [POOL_RENDERS]
Each render includes the merge fields and a fresh QR code (a unique verification URL per certificate).
"""

import os
import statistics
import subprocess
import sys
import time
from multiprocessing import Pool
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "credentials_site.settings")

COLD_SNIPPET = """
import os, sys, time
t0 = time.perf_counter()
sys.path.insert(0, {root!r})
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "credentials_site.settings")
import django; django.setup()
from bench.render_certificates import render_one
t1 = time.perf_counter()
render_one({template!r}, 0)
t2 = time.perf_counter()
print(f"{{(t1 - t0) * 1000:.0f}} {{(t2 - t1) * 1000:.0f}}")
"""


def render_one(template: str, index: int) -> int:
    from issuance.certificates.pdfa import certificate_pdfa
    from issuance.certificates.render import certificate_render_pdf
    from issuance.certificates.samples import METADATA, SAMPLE_CREDENTIAL, default_template, sample_context

    context = sample_context("Nguyễn Thị Minh Khai", verification_url=f"https://credentials.example.org/c/{index:08d}-bench")
    pdf = certificate_render_pdf(**default_template(template), context=context, assets={}, metadata=METADATA)
    return len(certificate_pdfa(pdf, credential=SAMPLE_CREDENTIAL))  # PDF/A-3b with the credential, as issued


def _warm_worker():
    import django

    django.setup()
    from courses.defaults import DEFAULT_CERTIFICATES

    render_one(next(iter(DEFAULT_CERTIFICATES)), -1)


def _pool_task(index: int) -> float:
    from courses.defaults import DEFAULT_CERTIFICATES

    start = time.process_time()
    render_one(next(iter(DEFAULT_CERTIFICATES)), index)
    return time.process_time() - start


def main() -> None:
    import django

    django.setup()
    from courses.defaults import DEFAULT_CERTIFICATES

    warm_renders = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    pool_renders = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    print(f"load average at start: {os.getloadavg()[0]:.2f}")
    for template in DEFAULT_CERTIFICATES:
        cold = subprocess.run(
            [sys.executable, "-c", COLD_SNIPPET.format(root=str(ROOT), template=template)],
            capture_output=True, text=True, check=True,
        ).stdout.split()
        render_one(template, -2)
        times = []
        for index in range(warm_renders):
            start = time.perf_counter()
            size = render_one(template, index)
            times.append((time.perf_counter() - start) * 1000)
        times.sort()
        print(
            f"{template}: import {cold[0]} ms, cold first render {cold[1]} ms; warm median {statistics.median(times):.1f} ms"
            f" (min {times[0]:.1f}, p90 {times[int(len(times) * 0.9)]:.1f}, max {times[-1]:.1f}; n={warm_renders}); PDF {size / 1024:.0f} KB"
        )

    started = time.perf_counter()
    with Pool(2, initializer=_warm_worker) as pool:
        ready = time.perf_counter()
        cpu = pool.map(_pool_task, range(pool_renders), chunksize=4)
    done = time.perf_counter()
    per_minute = pool_renders / (done - ready) * 60
    print(
        f"2 processes: {per_minute:.0f} certificates/min ({pool_renders} renders in {done - ready:.1f} s; "
        f"{pool_renders / (done - started) * 60:.0f}/min including pool start); CPU {statistics.median(cpu) * 1000:.0f} ms/cert; "
        f"load average at end: {os.getloadavg()[0]:.2f}"
    )


if __name__ == "__main__":
    main()
